/** Runtime settings for every service process (the benchmark measures what they buy: README, "Benchmark"). */

/**
 * V8 grows each young-generation semi-space up to 16 MB under allocation pressure, and a busy
 * service keeps that memory resident. 4 MB scavenges a little more often and keeps resident
 * memory of a service well under its 120 MB budget.
 */
export const serviceNodeFlags: readonly string[] = ["--max-semi-space-size=4"];
