import type { ChaosOptions } from "./suite.js";

/**
 * How long a phase's orders may take to become final everywhere. The duplicate storm re-adds a
 * thousand messages to every topic ahead of the phase's own orders, and the saga and the read
 * model take them one request each (prompt delivery), so that phase drained in 12 s to 241 s
 * over five runs on this 2-core machine (the one at 241 s left 19 orders short of final at the
 * earlier 180 s). Five minutes keeps the verdict about loss, not about how busy the machine was.
 */
const settleMs = 300_000;

/**
 * The suite's sizes. `full` is what `npm run chaos` and CI run: the 30 s outage and
 * 10,000 bad requests. `quick` is for a look while developing.
 */
export function chaosOptions(scale: "full" | "quick"): Omit<ChaosOptions, "log"> {
  return scale === "full"
    ? { ordersPerSecond: 4, loadMs: 8000, outageMs: 30_000, longOutageMs: 75_000, badRequests: 10_000, settleMs }
    : { ordersPerSecond: 2, loadMs: 5000, outageMs: 15_000, longOutageMs: 60_000, badRequests: 2000, settleMs };
}
