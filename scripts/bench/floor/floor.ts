/**
 * The Dapr floor: the saga's hops through the same daprd build, Dapr resources (components,
 * subscriptions, resiliency, configurations), Sentry, mTLS, tokens and Redis as the system, with
 * minimal apps (app.ts) that make the system's sidecar calls (plan.ts) and nothing else. Measured
 * with the system's own load phases, so the report can put direct / floor / system side by side:
 * what the floor adds to direct is Dapr's; what the system adds to the floor is our code's.
 *
 * One region, as the direct baseline: the comparison is of the saga's path, and replication is a
 * feature of ours on top of it (the system's column carries it).
 */
import { join } from "node:path";
import { serviceNodeFlags } from "../../../platform/process-tuning.js";
import { startSystem } from "../../local/system.js";
import { moduleArgs } from "../direct.js";
import { type PerOrderCost, costSince, costSnapshot, watchedProcesses } from "../per-order.js";
import { type PhaseContext, type Throughput, loadRegions, saturate, throughputOf } from "../phases.js";
import type { Progress } from "../progress.js";
import { type BenchOrder, type Seen, newRunTag } from "../saga-load.js";
import { type Summary, summarize } from "../stats.js";

/** The floor's region name: its own Sentry trust domain, run directory and name resolution. */
export const floorRegion = "floor";

export const floorDescription =
  "one region of minimal node:http apps under the system's app-ids, each with its own daprd (same build, resources, " +
  "Sentry/mTLS and tokens, one redis-server): gateway invokes orders, orders writes its stream with the outbox and " +
  "publishes, inventory, payments and orders react in turn (read, transaction, publish), order-view writes the view";

export interface FloorOptions {
  readonly daprd: string;
  readonly sentry: string;
  /** Logs of every floor process go under `<runDir>/floor`. */
  readonly runDir: string;
  readonly probeSeconds: number;
  readonly saturationSeconds: number;
  readonly latencySeconds: number;
  readonly drainTimeoutMs: number;
  readonly progress: Progress;
}

export interface FloorResult {
  readonly description: string;
  readonly readySeconds: number;
  readonly saturation: Throughput;
  readonly latency: {
    readonly ratePerSecond: number;
    /** Due time to order-view's `projectedAt` of the confirmed view. */
    readonly postToConfirmedMs: Summary;
    readonly maxSendDelayMs: number;
  };
  /** Over the saturation phase, until its orders were confirmed. */
  readonly perOrder: PerOrderCost;
  readonly orders: { readonly placed: number; readonly confirmed: number; readonly failedPosts: number };
  /** Every process the floor started; all stopped when it returns. */
  readonly pids: readonly number[];
}

/** Starts the floor, measures it like the system (warm-up, probe, saturation, latency at half) and stops it. */
export async function runFloor(opts: FloorOptions): Promise<FloorResult> {
  const appArgs = [...serviceNodeFlags, ...moduleArgs(new URL("./app.js", import.meta.url), new URL("./app.ts", import.meta.url))];
  const readyStart = Date.now();
  const system = await startSystem({
    regions: [floorRegion],
    runDir: join(opts.runDir, "floor"),
    daprd: opts.daprd,
    sentry: opts.sentry,
    logLevel: "warn",
    appCommand: () => appArgs,
  });
  const readySeconds = (Date.now() - readyStart) / 1000;
  try {
    const home = new Map<string, Seen>();
    const placed: BenchOrder[] = [];
    const ctx: PhaseContext = {
      system,
      // The floor keeps no stock: any SKU names do.
      skus: { [floorRegion]: Array.from({ length: 20 }, (_, k) => `floor-${k}`) },
      runTag: newRunTag(),
      progress: opts.progress,
      placed,
      home,
      requests: { failed: 0, retried: 0 },
      unacknowledged: [],
      drainTimeoutMs: opts.drainTimeoutMs,
    };
    await loadRegions(ctx, "floor warm-up", { [floorRegion]: 20 }, 2);
    const probe = throughputOf((await loadRegions(ctx, "floor probe", { [floorRegion]: 100 }, opts.probeSeconds))[0]!);
    const estimate = Number.isFinite(probe.confirmedPerSecond) ? probe.confirmedPerSecond : 20;
    opts.progress.log(`floor probe: about ${estimate.toFixed(1)} orders confirmed/s`);

    const watched = watchedProcesses(system);
    const before = await costSnapshot(system, watched);
    const placedBefore = placed.length;
    const [saturation] = await saturate(ctx, [floorRegion], estimate, opts.saturationSeconds);
    const confirmed = placed.slice(placedBefore).filter((o) => home.get(o.orderId)?.status === "confirmed").length;
    const perOrder = await costSince(before, system, watched, confirmed, "the floor at saturation, until confirmed");
    // The outbox relays a second behind the saga: let them pass before latency is measured.
    await new Promise((r) => setTimeout(r, 3000));

    const rate = Math.max(1, saturation!.confirmedPerSecond * 0.5);
    opts.progress.log(`floor latency at 50% of saturation: ${rate.toFixed(1)} orders/s for ${opts.latencySeconds} s`);
    const [load] = await loadRegions(ctx, "floor latency", { [floorRegion]: rate }, opts.latencySeconds);
    const toConfirmed = load!.placed.flatMap((o) => {
      const seen = load!.home.get(o.orderId);
      return seen?.status === "confirmed" ? [seen.projectedAt - o.dueAt] : [];
    });
    return {
      description: floorDescription,
      readySeconds,
      saturation: saturation!,
      latency: { ratePerSecond: rate, postToConfirmedMs: summarize(toConfirmed), maxSendDelayMs: load!.maxSendDelayMs },
      perOrder,
      orders: {
        placed: placed.length,
        confirmed: placed.filter((o) => home.get(o.orderId)?.status === "confirmed").length,
        failedPosts: ctx.requests.failed,
      },
      pids: system.group.pids,
    };
  } finally {
    await system.stop();
  }
}
