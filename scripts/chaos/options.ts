import type { ChaosOptions } from "./suite.js";

/**
 * The suite's sizes. `full` is what `npm run chaos` and CI run: the 30 s outage and
 * 10,000 bad requests. `quick` is for a look while developing.
 */
export function chaosOptions(scale: "full" | "quick"): Omit<ChaosOptions, "log"> {
  return scale === "full"
    ? { ordersPerSecond: 4, loadMs: 8000, outageMs: 30_000, longOutageMs: 75_000, badRequests: 10_000, settleMs: 180_000 }
    : { ordersPerSecond: 2, loadMs: 5000, outageMs: 15_000, longOutageMs: 60_000, badRequests: 2000, settleMs: 180_000 };
}
