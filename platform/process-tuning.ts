/**
 * Memory settings for every service and sidecar, locally and in Kubernetes alike (the benchmark
 * measures what they buy: see README, "Benchmark").
 */

/**
 * V8 grows each young-generation semi-space up to 16 MB under allocation pressure, and a busy
 * service keeps that memory resident. 4 MB scavenges a little more often and keeps resident
 * memory of a service well under its 120 MB budget.
 */
export const serviceNodeFlags: readonly string[] = ["--max-semi-space-size=4"];

/**
 * A soft memory limit for daprd's Go runtime: the collector works harder as the heap nears it,
 * instead of letting the heap double before each collection (GOGC=100).
 */
export const daprdEnv: Readonly<Record<string, string>> = { GOMEMLIMIT: "48MiB" };
