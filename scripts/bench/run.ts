/**
 * One run of the benchmark (`npm run bench` runs it three times and reports medians: repeat.ts):
 * starts both regions (real daprd, a redis-server per region), measures the
 * saga's saturation throughput, its end-to-end latency at half of that, replication lag, what
 * each sidecar and service costs, the same pub/sub path straight on Redis, and the Dapr floor
 * (the saga's sidecar calls through minimal apps: floor/); checks that
 * nothing was lost or done twice; writes bench/out/report.{json,md,svg}; stops everything.
 *
 *   npm run bench -- --runs 1            one full run (about 6 minutes)
 *   npm run bench -- --scale quick       a smoke run of the whole procedure (about a minute)
 *   npm run bench -- --runs 1 --profile  also CPU-profiles every daprd (pprof) and service (--cpu-prof)
 *                                        at saturation: flame graphs and profile.md in <out>/profile/
 *   npm run bench -- --saga orchestration   every region's saga on Dapr Workflow (default: choreography)
 *   PUBLISH_ON_COMMIT=false npm run bench   the outbox alone: the "before" figures
 *
 * `npm run bench:sagas` runs it once per saga style and compares the two (compare-sagas.ts).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { projectRoot } from "../../platform/paths.js";
import { defaultRegions, sagaStyles } from "../../platform/topology.js";
import { daprVersion } from "../../platform/versions.js";
import { ensureControlPlane } from "../daprd/ensure-control-plane.js";
import { ensureDaprd } from "../daprd/ensure-daprd.js";
import { ensureSentry } from "../daprd/ensure-sentry.js";
import { profilesFromEnv } from "../local/profiles.js";
import { replicasFromEnv } from "../local/replicas.js";
import { asOperator } from "../drills/probes.js";
import { stockSku } from "../local/operator.js";
import { type SystemHandle, startSystem } from "../local/system.js";
import { renderChart } from "./chart.js";
import { checkCorrectness } from "./correctness.js";
import { runDirectBaseline } from "./direct.js";
import { runFloor } from "./floor/floor.js";
import { type PhaseContext, loadRegions, saturate, throughputOf } from "./phases.js";
import { type Watched, snapshot, usageBetween } from "./proc.js";
import { sumCounter } from "./metrics-text.js";
import { costSince, costSnapshot, watchedProcesses } from "./per-order.js";
import { ProfileSession } from "./profile/session.js";
import { Progress } from "./progress.js";
import { type BenchReport, checkTargets, renderMarkdown } from "./report.js";
import { type BenchOrder, type Seen, awaitViews, benchUnitPrice, newRunTag } from "./saga-load.js";
import { summarize } from "./stats.js";

const scales = {
  full: {
    directMessages: 20_000,
    directSeconds: 15,
    skus: 100,
    probeSeconds: 0.5,
    saturationSeconds: 15,
    latencySeconds: 30,
    histories: 300,
  },
  quick: { directMessages: 2_000, directSeconds: 3, skus: 20, probeSeconds: 1, saturationSeconds: 3, latencySeconds: 5, histories: 30 },
} as const;

const { values: args } = parseArgs({
  options: {
    scale: { type: "string", default: "full" },
    out: { type: "string", default: join(projectRoot, "bench", "out") },
    profile: { type: "boolean", default: false },
    saga: { type: "string", default: "choreography" },
  },
});
const scaleName = args.scale as keyof typeof scales;
if (!(scaleName in scales)) {
  process.stderr.write(`--scale must be one of ${Object.keys(scales).join(", ")}\n`);
  process.exit(2);
}
const scale = scales[scaleName];
const saga = sagaStyles.find((s) => s === args.saga);
if (!saga) {
  process.stderr.write(`--saga must be one of ${sagaStyles.join(", ")}\n`);
  process.exit(2);
}
const publishOnCommit = (process.env["PUBLISH_ON_COMMIT"] ?? "true") !== "false";
const outDir = resolve(args.out);
const progress = new Progress();
const startedAt = new Date();
const runDir = mkdtempSync(join(tmpdir(), "meridian-bench-"));
const drainTimeoutMs = 120_000;
/** Where --profile writes, relative to the report. */
const profileDir = "profile";

progress.log(`direct baseline: ${scale.directMessages} messages through 4 Redis stream hops, then ${scale.directSeconds} s at half rate`);
const direct = await runDirectBaseline({
  saturationMessages: scale.directMessages,
  halfRateSeconds: scale.directSeconds,
  logDir: join(runDir, "direct"),
  onProgress: (line) => progress.status(`direct: ${line}`),
});
progress.log(`direct baseline: ${direct.saturation.perSecond.toFixed(0)} messages/s; p99 at half rate ${direct.atHalf.latencyMs.p99} ms`);

const replicas = replicasFromEnv();
const daprd = await ensureDaprd();
const sentry = await ensureSentry();

// Before the system, alone on the machine like the other two: the system's own processes are not up yet.
progress.log("Dapr floor: the saga's sidecar calls through minimal apps, one region");
const floor = await runFloor({
  daprd,
  sentry,
  runDir,
  probeSeconds: scale.probeSeconds,
  saturationSeconds: scale.saturationSeconds,
  latencySeconds: scale.latencySeconds,
  drainTimeoutMs,
  progress,
});
progress.log(
  `Dapr floor: ${floor.saturation.confirmedPerSecond.toFixed(1)} orders/s; p99 at half rate ${floor.latency.postToConfirmedMs.p99.toFixed(0)} ms`,
);
progress.log(`starting regions ${defaultRegions.join(", ")} (logs in ${runDir})`);
const readyStart = Date.now();
const system = await startSystem({
  regions: defaultRegions,
  profiles: profilesFromEnv(),
  replicas,
  runDir,
  daprd,
  sentry,
  logLevel: "warn",
  serviceEnv: { PUBLISH_ON_COMMIT: String(publishOnCommit) },
  saga: Object.fromEntries(defaultRegions.map((r) => [r, saga])),
  ...(saga === "orchestration"
    ? { workflows: { placement: await ensureControlPlane("placement"), scheduler: await ensureControlPlane("scheduler") } }
    : {}),
  ...(args.profile ? { profiling: { nodeProfileDir: join(runDir, "profiles", "node") } } : {}),
});
const readySeconds = (Date.now() - readyStart) / 1000;
progress.log(`both regions ready in ${readySeconds.toFixed(1)} s`);

const profiling = args.profile ? new ProfileSession(system, join(runDir, "profiles")) : undefined;

const stop = async (): Promise<void> => {
  progress.log("stopping every process the benchmark started");
  await system.stop();
};
process.once("SIGINT", () => void stop().finally(() => process.exit(130)));
process.once("SIGTERM", () => void stop().finally(() => process.exit(143)));

try {
  const report = await measure(system);
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, "report.json"), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(outDir, "report.svg"), renderChart(report));
  writeFileSync(join(outDir, "report.md"), renderMarkdown(report, "report.svg"));
  progress.log(`report: ${join(outDir, "report.md")} (and .json, .svg)`);
  for (const t of report.targets) progress.log(`${t.met ? "met   " : "MISSED"} ${t.name}: ${t.actual} (target ${t.target})`);
  // Lost or doubled work is a failure of the system, not a figure to report.
  process.exitCode = report.correctness.total === 0 ? 0 : 1;
} finally {
  await stop();
}
// The services write their CPU profiles as they exit: only now are they all there.
if (profiling) {
  const command = `npm run bench -- --runs 1 --scale ${scaleName} --profile`;
  const written = await profiling.finish(join(outDir, profileDir), command);
  progress.log(`profile: ${written} (flame graphs next to it)`);
}

async function measure(sys: SystemHandle): Promise<BenchReport> {
  const runTag = newRunTag();
  const regions = sys.regions.map((r) => r.name);
  const skus = Object.fromEntries(regions.map((r) => [r, Array.from({ length: scale.skus }, (_, k) => `bench-${runTag}-${k}`)]));
  for (const r of sys.regions)
    for (const sku of skus[r.name]!) {
      await stockSku(r, sku, 100_000_000, benchUnitPrice);
    }
  const placed: BenchOrder[] = [];
  const home = new Map<string, Seen>();
  const requests = { failed: 0, retried: 0 };
  const unacknowledged: BenchOrder[] = [];
  const ctx: PhaseContext = { system: sys, skus, runTag, progress, placed, home, requests, unacknowledged, drainTimeoutMs };

  /** What each region's view shows of the orders placed elsewhere, once they are confirmed there. */
  async function replicasSeen(phase: string): Promise<Map<string, Map<string, Seen>>> {
    const seen = new Map<string, Map<string, Seen>>();
    for (const r of regions)
      seen.set(
        r,
        await awaitViews({
          reader: sys.region(r),
          orders: placed.filter((o) => o.region !== r),
          status: "confirmed",
          timeoutMs: drainTimeoutMs,
          onTick: (n, total) => progress.status(`${phase}: replicas confirmed in ${r}: ${n}/${total}`),
        }),
      );
    return seen;
  }

  progress.log("warm-up");
  await loadRegions(ctx, "warm-up", Object.fromEntries(regions.map((r) => [r, 20])), 2);
  const probe = throughputOf((await loadRegions(ctx, "probe", { [regions[0]!]: 100 }, scale.probeSeconds))[0]!);
  const estimate = Number.isFinite(probe.confirmedPerSecond) ? probe.confirmedPerSecond : 20;
  progress.log(`probe: about ${estimate.toFixed(1)} orders confirmed/s in one region`);

  const single = [];
  for (const r of regions) single.push(...(await saturate(ctx, [r], estimate, scale.saturationSeconds)));

  const watched = watchedProcesses(sys);
  const eventsBefore = await eventsWritten(sys);
  const cpuBefore = snapshot(watched);
  const costBefore = await costSnapshot(sys, watched);
  const placedBefore = placed.length;
  const oneRegion = Math.min(...single.map((t) => t.confirmedPerSecond));
  profiling?.startWindow(scale.saturationSeconds);
  const both = await saturate(ctx, regions, oneRegion * 0.6, scale.saturationSeconds);
  const events = (await eventsWritten(sys)) - eventsBefore;
  const usage = usageBetween(cpuBefore, watched);
  await profiling?.endWindow();

  // Latency is measured from a steady state: first let the saturation backlog drain everywhere
  // (replicas in the other region, the lake, the outbox relays a second behind).
  await replicasSeen("settling");
  // Per order, the window runs until every order of it is confirmed in both regions, so the
  // other region's replica is charged to the order too.
  const confirmedInWindow = placed.slice(placedBefore).filter((o) => home.get(o.orderId)?.status === "confirmed").length;
  const perOrder = await costSince(costBefore, sys, watched, confirmedInWindow, "both regions at saturation, until confirmed in both");
  // V8's sampler costs each profiled service about 3% of a core even when idle (measured: an idle
  // Node process with --cpu-prof uses 3.4% of a core, without 1.3%): twelve of them never drop
  // under the usual threshold.
  await quiet(watched, args.profile ? 0.6 : 0.33);

  const rates = Object.fromEntries(both.map((t) => [t.region, Math.max(1, t.confirmedPerSecond * 0.5)]));
  progress.log(`latency at 50% of saturation: ${JSON.stringify(rates)} orders/s for ${scale.latencySeconds} s`);
  const latencyLoads = await loadRegions(ctx, "latency", rates, scale.latencySeconds);
  const toConfirmed: number[] = [];
  const toPeer: number[] = [];
  const lag: number[] = [];
  for (const load of latencyLoads) {
    for (const peer of regions.filter((r) => r !== load.region)) {
      const seenThere = await awaitViews({
        reader: sys.region(peer),
        orders: load.placed,
        status: "confirmed",
        timeoutMs: drainTimeoutMs,
        onTick: (n, total) => progress.status(`latency: ${load.region} orders confirmed in ${peer}: ${n}/${total}`),
      });
      for (const o of load.placed) {
        const atHome = load.home.get(o.orderId);
        const there = seenThere.get(o.orderId);
        if (atHome?.status === "confirmed") toConfirmed.push(atHome.projectedAt - o.dueAt);
        if (atHome?.status === "confirmed" && there?.status === "confirmed") {
          toPeer.push(there.projectedAt - o.dueAt);
          lag.push(there.projectedAt - atHome.committedAt);
        }
      }
    }
  }

  // A POST that failed for good may still have placed its order (it timed out after the write).
  // Such orders count like any other: they must confirm once, and their effects must happen once.
  for (const region of regions) {
    const maybe = unacknowledged.filter((o) => o.region === region);
    const found = await awaitViews({
      reader: sys.region(region),
      orders: maybe,
      status: "confirmed",
      timeoutMs: 5_000,
    });
    const exists = await Promise.all(
      maybe.map(
        async (o) =>
          found.has(o.orderId) ||
          (await fetch(`${sys.region(region).adminUrl}/admin/orders/${o.orderId}/events`, asOperator(sys.region(region)))).status === 200,
      ),
    );
    for (const [i, o] of maybe.entries()) if (exists[i]) placed.push(o);
    for (const [id, seen] of found) home.set(id, seen);
  }
  const unacknowledgedButPlaced = placed.filter((o) => unacknowledged.includes(o)).length;
  // Orders that exist but were never confirmed within the drain stay counted as lost.
  for (const o of unacknowledged.filter((u) => placed.includes(u) && !home.has(u.orderId))) {
    const late = await awaitViews({
      reader: sys.region(o.region),
      orders: [o],
      status: "confirmed",
      timeoutMs: drainTimeoutMs / 4,
    });
    for (const [id, seen] of late) home.set(id, seen);
  }
  progress.log(`correctness: ${placed.length} orders (${unacknowledgedButPlaced} of them placed by a POST that failed for good)`);
  const peers = await replicasSeen("correctness");
  const correctness = {
    ...(await checkCorrectness(sys, placed, home, peers, scale.histories)),
    requests: { ...requests, unacknowledgedButPlaced },
  };

  const postToConfirmedMs = summarize(toConfirmed);
  const bothTotal = both.reduce((s, t) => s + t.confirmedPerSecond, 0);
  const partial: Omit<BenchReport, "targets"> = {
    startedAt: startedAt.toISOString(),
    durationSeconds: (Date.now() - startedAt.getTime()) / 1000,
    settings: { scale: scaleName, saga, publishOnCommit, daprVersion, cpus: cpus().length, node: process.version, regions, replicas },
    readySeconds,
    throughput: { single, both, bothTotalPerSecond: bothTotal },
    latency: {
      ratePerSecond: rates,
      postToConfirmedMs,
      postToPeerVisibleMs: summarize(toPeer),
      replicationLagMs: summarize(lag),
      maxSendDelayMs: Math.max(...latencyLoads.map((l) => l.maxSendDelayMs)),
    },
    direct,
    floor,
    ratios: {
      throughputSingleRegionToDirect: Math.max(...single.map((t) => t.confirmedPerSecond)) / direct.saturation.perSecond,
      throughputBothRegionsToDirect: bothTotal / direct.saturation.perSecond,
      p50ToDirect: postToConfirmedMs.p50 / direct.atHalf.latencyMs.p50,
      p99ToDirect: postToConfirmedMs.p99 / direct.atHalf.latencyMs.p99,
      throughputSingleRegionToFloor: Math.max(...single.map((t) => t.confirmedPerSecond)) / floor.saturation.confirmedPerSecond,
    },
    resources: {
      window: "both regions at saturation, until drained",
      events,
      pids: sys.group.pids,
      processes: usage.map((u) => ({
        name: u.name,
        kind: u.kind,
        region: u.region,
        cpuSecondsPer1000Events: events > 0 ? (u.cpuSeconds / events) * 1000 : Number.NaN,
        peakRssMb: u.peakRssMb,
        privateMb: u.privateMb,
      })),
    },
    perOrder,
    ...(profiling ? { profile: `${profileDir}/profile.md` } : {}),
    correctness,
  };
  return { ...partial, targets: checkTargets(partial) };
}

/**
 * Waits until the system is idle: saturation leaves work queued behind the views (the lake, the
 * outbox's relays a second behind, the other region), and latency must be measured without it.
 * Idle means all its processes together used under `idleCores` (a third of a core unprofiled) over two seconds.
 */
async function quiet(watched: readonly Watched[], idleCores: number, timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const systemOnly = watched.filter((w) => w.kind !== "bench");
  while (Date.now() < deadline) {
    const before = snapshot(systemOnly);
    await new Promise((r) => setTimeout(r, 2000));
    const cores = usageBetween(before, systemOnly).reduce((sum, u) => sum + u.cpuSeconds, 0) / 2;
    progress.status(`settling: the system uses ${cores.toFixed(2)} cores`);
    if (cores < idleCores) return;
  }
}

/** Events every service wrote (meridian_events_published_total), summed over the system. */
async function eventsWritten(sys: SystemHandle): Promise<number> {
  let total = 0;
  for (const r of sys.regions)
    for (const a of Object.values(r.replicas).flat()) {
      total += sumCounter(await (await fetch(`http://127.0.0.1:${a.appPort}/metrics`)).text(), "meridian_events_published_total");
    }
  return total;
}
