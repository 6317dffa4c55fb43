/**
 * The benchmark's measurements of the Dapr path: saturation throughput (one region, then both at
 * once) and end-to-end latency at half of it.
 */
import type { SystemHandle } from "../local/system.js";
import type { Progress } from "./progress.js";
import { type BenchOrder, type Seen, awaitViews, placeOrders } from "./saga-load.js";
import { steadyRate } from "./stats.js";

export interface PhaseContext {
  readonly system: SystemHandle;
  readonly skus: Readonly<Record<string, readonly string[]>>;
  readonly runTag: string;
  readonly progress: Progress;
  /** Every order placed, for the correctness checks at the end. */
  readonly placed: BenchOrder[];
  /** What each order's home view showed once it was confirmed (or final). */
  readonly home: Map<string, Seen>;
  /** POSTs that failed for good (after retries with the same Idempotency-Key), and retries made. */
  readonly requests: { failed: number; retried: number };
  /** Orders whose POST failed for good; the correctness check finds out whether they exist. */
  readonly unacknowledged: BenchOrder[];
  readonly drainTimeoutMs: number;
}

export interface RegionLoad {
  readonly region: string;
  readonly offeredPerSecond: number;
  readonly placed: readonly BenchOrder[];
  /** Home-region view of each order once confirmed (or final). */
  readonly home: ReadonlyMap<string, Seen>;
  readonly failures: readonly string[];
  readonly maxSendDelayMs: number;
}

let phaseSequence = 0;

/** Places `seconds` of orders at a fixed rate in each named region at once, then waits until each home view shows them confirmed. */
export async function loadRegions(
  ctx: PhaseContext,
  phase: string,
  rates: Readonly<Record<string, number>>,
  seconds: number,
): Promise<RegionLoad[]> {
  const tag = `${ctx.runTag}${++phaseSequence}`;
  const names = Object.keys(rates);
  const due = new Map(names.map((n) => [n, 0]));
  const sent = new Map(names.map((n) => [n, 0]));
  const status = (): void =>
    ctx.progress.status(`${phase}: placing ${names.map((n) => `${n} ${sent.get(n)}/${due.get(n)}`).join(", ")} (due/sent)`);
  const placedPerRegion = await Promise.all(
    names.map((name) =>
      placeOrders({
        region: name,
        gatewayUrl: ctx.system.region(name).gatewayUrl,
        token: ctx.system.issuer.token,
        ratePerSecond: rates[name]!,
        count: Math.max(1, Math.round(rates[name]! * seconds)),
        skus: ctx.skus[name]!,
        runTag: tag,
        onTick: (p) => {
          due.set(name, p.due);
          sent.set(name, p.sent);
          status();
        },
      }),
    ),
  );
  const results: RegionLoad[] = [];
  for (const [i, name] of names.entries()) {
    const run = placedPerRegion[i]!;
    ctx.placed.push(...run.placed);
    const home = await awaitViews({
      reader: ctx.system.region(name),
      orders: run.placed,
      status: "confirmed",
      timeoutMs: ctx.drainTimeoutMs,
      onTick: (seen, total) => ctx.progress.status(`${phase}: ${name} confirmed ${seen}/${total}`),
    });
    for (const [id, seen] of home) ctx.home.set(id, seen);
    ctx.requests.failed += run.failures.length;
    ctx.unacknowledged.push(...run.unacknowledged);
    if (run.failures.length > 0)
      ctx.progress.log(`${phase}: ${run.failures.length} POSTs in ${name} failed for good, e.g. ${run.failures[0]}`);
    ctx.requests.retried += run.retries;
    results.push({
      region: name,
      offeredPerSecond: rates[name]!,
      placed: run.placed,
      home,
      failures: run.failures,
      maxSendDelayMs: run.maxSendDelayMs,
    });
  }
  return results;
}

export interface Throughput {
  readonly region: string;
  readonly offeredPerSecond: number;
  readonly confirmedPerSecond: number;
  /** False when the region kept up with the offered rate: the figure is then a lower bound. */
  readonly saturated: boolean;
}

/** Confirmations per second in the steady middle of a load, from the read model's own timestamps. */
export function throughputOf(load: RegionLoad): Throughput {
  const times = [...load.home.values()].filter((s) => s.status === "confirmed").map((s) => s.projectedAt);
  const rate = steadyRate(times);
  return {
    region: load.region,
    offeredPerSecond: load.offeredPerSecond,
    confirmedPerSecond: rate,
    saturated: rate < load.offeredPerSecond * 0.9,
  };
}

/**
 * Saturation throughput of one region: a short burst to estimate it, then a load above it. If the
 * region kept up, the rate goes up and it tries again (at most twice), so the figure is a
 * saturation figure, not the offered rate echoed back.
 */
export async function saturate(ctx: PhaseContext, regions: readonly string[], estimate: number, seconds: number): Promise<Throughput[]> {
  let rate = estimate * 1.4;
  let result: Throughput[] = [];
  for (let attempt = 0; attempt < 3; attempt++) {
    const loads = await loadRegions(ctx, `saturation ${regions.join("+")}`, Object.fromEntries(regions.map((r) => [r, rate])), seconds);
    result = loads.map(throughputOf);
    ctx.progress.log(
      `saturation ${regions.join("+")} at ${rate.toFixed(0)}/s per region: ${result.map((t) => `${t.region} ${t.confirmedPerSecond.toFixed(1)} confirmed/s`).join(", ")}`,
    );
    if (result.every((t) => t.saturated)) break;
    rate *= 1.8;
  }
  return result;
}
