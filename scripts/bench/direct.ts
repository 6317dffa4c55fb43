/**
 * The direct-broker baseline: the saga's pub/sub path measured straight against Redis Streams in
 * the same run, so the report can show what Dapr costs on top of the broker. A dedicated
 * redis-server (configured like the regions' brokers) and one worker process (direct-worker.ts)
 * run the four hops with a plain client; this process injects orders into the first stream and
 * learns each completion from a `done` stream the last stage writes.
 */
import { createHash, randomUUID } from "node:crypto";
import { existsSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Redis } from "ioredis";
import { ProcessGroup, type Spawned } from "../local/processes.js";
import { type RedisHandle, newRedisPassword, startRedis } from "../local/redis.js";
import type { StageSpec, WorkerConfig } from "./direct-worker.js";
import { runOpenModel } from "./open-model.js";
import { readProc } from "./proc.js";
import { type Summary, steadyRate, summarize } from "./stats.js";

export interface DirectBaselineOptions {
  /** Orders injected at once for the saturation phase. */
  readonly saturationMessages: number;
  /** Length of the open-model phase at half the saturation rate. */
  readonly halfRateSeconds: number;
  /** The baseline's redis-server log, data directory (removed at the end) and worker log go here. */
  readonly logDir: string;
  /** About once a second, one line of status. */
  readonly onProgress?: (line: string) => void;
  /** Give up when nothing completes for this long while orders are outstanding. Default 15 s. */
  readonly stallTimeoutMs?: number;
}

export interface PhaseCost {
  readonly workerCpuSeconds: number;
  readonly redisCpuSeconds: number;
  /** Pipeline events in the phase: orders × hops. */
  readonly events: number;
}

export interface DirectBaselineResult {
  readonly hops: number;
  /** One line: what each hop does. */
  readonly description: string;
  /** Size of the first hop's message (bytes of JSON). */
  readonly messageBytes: number;
  readonly saturation: {
    readonly messages: number;
    /** From the first injection to the last completion. */
    readonly seconds: number;
    /** Completions per second of the whole pipeline in the steady middle of the phase. */
    readonly perSecond: number;
    readonly cost: PhaseCost;
  };
  readonly atHalf: {
    readonly ratePerSecond: number;
    readonly count: number;
    /** Due time (open model) to the broker's commit of the view write. */
    readonly latencyMs: Summary;
    /** Largest lag of an injection behind its due time: 0 means the generator kept up. */
    readonly maxSendDelayMs: number;
    readonly cost: PhaseCost;
  };
  /** Worker CPU (user + system) per 1000 pipeline events, over both phases. */
  readonly workerCpuSecondsPer1000: number;
  /** Peak resident set of the worker (VmHWM) at the end. */
  readonly workerPeakRssMb: number;
  /** redis-server CPU per 1000 pipeline events, over both phases. */
  readonly redisCpuSecondsPer1000: number;
  /** Orders injected, distinct orders completed, and completions seen more than once. */
  readonly injected: number;
  readonly completed: number;
  readonly duplicates: number;
  /** Completions of orders this run never injected. */
  readonly unexpected: number;
  /** The processes the baseline started; all stopped when it returns. */
  readonly pids: { readonly worker: number; readonly redis: number };
}

const streams = {
  placed: "direct:orders:placed",
  inventory: "direct:inventory",
  payments: "direct:payments",
  confirmed: "direct:orders:confirmed",
  done: "direct:done",
} as const;

/** The saga's four hops; each stage's name is its consumer group, as an app-id is on the Dapr path. */
const stages: readonly StageSpec[] = [
  {
    name: "inventory",
    input: streams.placed,
    output: streams.inventory,
    nextType: "io.meridian.stock.reserved",
    stateKey: "direct:inventory",
  },
  {
    name: "payments",
    input: streams.inventory,
    output: streams.payments,
    nextType: "io.meridian.payment.authorized",
    stateKey: "direct:payments",
  },
  {
    name: "orders",
    input: streams.payments,
    output: streams.confirmed,
    nextType: "io.meridian.order.confirmed",
    stateKey: "direct:orders",
  },
  { name: "order-view", input: streams.confirmed, output: streams.done, nextType: null, stateKey: "direct:view" },
];

/** COUNT 32 per read, like the events component's concurrency; reading goes on while a batch is handled, up to two batches. */
const workerTuning = { batch: 32, maxInFlight: 64, blockMs: 500 } as const;

export const directDescription =
  `${stages.length} hops (${stages.map((s) => s.name).join(" → ")}), each: XREADGROUP (own consumer group, COUNT ${workerTuning.batch}) → ` +
  "MULTI { HSET state record, XADD next event } → XACK; one worker process, a dedicated redis-server (AOF everysec)";

const requestHash = createHash("sha256").update("direct-baseline").digest("hex");

/** An order.placed event record as the orders service stores and publishes it, two order lines. */
function placedEvent(orderId: string): string {
  const now = new Date().toISOString();
  return JSON.stringify({
    id: randomUUID(),
    type: "io.meridian.order.placed",
    schemaVersion: 2,
    subject: orderId,
    aggregateVersion: 1,
    occurredAt: now,
    originRegion: "direct",
    correlationId: randomUUID(),
    causationId: null,
    data: {
      orderId,
      customerId: "customer-000042",
      items: [
        { sku: "SKU-000123", quantity: 2 },
        { sku: "SKU-004567", quantity: 1 },
      ],
      total: 45.48,
      currency: "EUR",
      homeRegion: "direct",
      requestHash,
    },
  });
}

function connect(redis: RedisHandle, name: string, autoPipelining = false): Redis {
  return new Redis({
    host: "127.0.0.1",
    port: redis.port,
    password: redis.password,
    connectionName: name,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    enableAutoPipelining: autoPipelining,
  });
}

/** Completions, read from the done stream; each order's completion time is the broker's stamp on its entry. */
class Completions {
  private readonly injected = new Set<string>();
  private readonly doneAt = new Map<string, number>();
  private readonly waiters = new Map<string, { resolve: (doneAt: number) => void; reject: (err: Error) => void }>();
  private failure: Error | undefined;
  private lastProgressAt = Date.now();
  duplicates = 0;
  unexpected = 0;

  get completed(): number {
    return this.doneAt.size;
  }

  get injectedCount(): number {
    return this.injected.size;
  }

  /** Registers an order about to be injected; resolves with its completion time. */
  expect(orderId: string): Promise<number> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.waiters.size === 0) this.lastProgressAt = Date.now();
    this.injected.add(orderId);
    return new Promise((resolve, reject) => this.waiters.set(orderId, { resolve, reject }));
  }

  record(orderId: string, doneAt: number): void {
    if (!this.injected.has(orderId)) {
      this.unexpected++;
      return;
    }
    if (this.doneAt.has(orderId)) {
      this.duplicates++;
      return;
    }
    this.doneAt.set(orderId, doneAt);
    this.lastProgressAt = Date.now();
    const waiter = this.waiters.get(orderId);
    this.waiters.delete(orderId);
    waiter?.resolve(doneAt);
  }

  /** Rejects every outstanding order (and any later one) when the pipeline stalled or broke. */
  fail(err: Error): void {
    this.failure ??= err;
    for (const w of this.waiters.values()) w.reject(err);
    this.waiters.clear();
  }

  checkStall(stallTimeoutMs: number): void {
    if (this.waiters.size > 0 && Date.now() - this.lastProgressAt > stallTimeoutMs) {
      this.fail(new Error(`direct baseline: ${this.waiters.size} orders outstanding and none completed for ${stallTimeoutMs} ms`));
    }
  }
}

/** Reads the done stream until stopped, trimming what it has read about once a second. */
async function readDone(redis: Redis, completions: Completions, stopped: () => boolean): Promise<void> {
  let lastId = "0-0";
  let lastTrimAt = Date.now();
  while (!stopped()) {
    const reply = (await redis.xread("COUNT", 2000, "BLOCK", 200, "STREAMS", streams.done, lastId)) as
      [string, [string, string[]][]][] | null;
    for (const [id, fields] of reply?.[0]?.[1] ?? []) {
      lastId = id;
      const at = fields.indexOf("id");
      const orderId = at >= 0 ? fields[at + 1] : undefined;
      if (orderId !== undefined) completions.record(orderId, Number(id.slice(0, id.indexOf("-"))));
    }
    if (Date.now() - lastTrimAt >= 1000) {
      lastTrimAt = Date.now();
      await redis.xtrim(streams.done, "MINID", "~", lastId);
    }
  }
}

/**
 * Node's arguments to run a benchmark module in a process of its own: the compiled `.js` next to
 * the caller, or (running from TypeScript sources, e.g. under vitest) the `.ts` one through tsx.
 */
export function moduleArgs(compiled: URL, source: URL): string[] {
  if (existsSync(fileURLToPath(compiled))) return [fileURLToPath(compiled)];
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
  return ["--import", tsx, fileURLToPath(source)];
}

function workerCommand(config: WorkerConfig): string[] {
  return [
    ...moduleArgs(new URL("./direct-worker.js", import.meta.url), new URL("./direct-worker.ts", import.meta.url)),
    JSON.stringify(config),
  ];
}

function awaitReady(worker: Spawned, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = "";
    const timer = setTimeout(() => reject(new Error(`direct worker not ready after ${timeoutMs} ms (see ${worker.logFile})`)), timeoutMs);
    worker.child.stdout?.on("data", (chunk: Buffer) => {
      seen = (seen + chunk.toString("utf8")).slice(-4096);
      if (/^ready/m.test(seen)) {
        clearTimeout(timer);
        resolve();
      }
    });
    void worker.exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`direct worker exited (${code}) before it was ready (see ${worker.logFile})`));
    });
  });
}

interface CpuReading {
  readonly worker: number;
  readonly redis: number;
}

function readCpu(workerPid: number, redisPid: number): CpuReading {
  const worker = readProc(workerPid);
  const redis = readProc(redisPid);
  if (!worker || !redis) throw new Error("direct baseline: the worker or its redis-server is gone");
  return { worker: worker.cpuSeconds, redis: redis.cpuSeconds };
}

const costBetween = (before: CpuReading, after: CpuReading, orders: number): PhaseCost => ({
  workerCpuSeconds: after.worker - before.worker,
  redisCpuSeconds: after.redis - before.redis,
  events: orders * stages.length,
});

/** Runs the baseline from start to finish: its redis-server and worker are stopped (by PID) before this returns or throws. */
export async function runDirectBaseline(opts: DirectBaselineOptions): Promise<DirectBaselineResult> {
  const progress = opts.onProgress ?? (() => {});
  const stallTimeoutMs = opts.stallTimeoutMs ?? 15_000;
  const group = new ProcessGroup();
  const dataDir = join(opts.logDir, "direct-redis-data");
  // A leftover append-only file would replay an earlier run's streams.
  rmSync(dataDir, { recursive: true, force: true });
  const clients: Redis[] = [];
  const completions = new Completions();
  let stopped = false;
  let doneReader: Promise<void> | undefined;
  const watchdog = setInterval(() => completions.checkStall(stallTimeoutMs), 500);

  try {
    const redis: RedisHandle = await startRedis(group, "direct-redis", dataDir, newRedisPassword());
    const redisPid = redis.process.child.pid;
    if (redisPid === undefined) throw new Error("direct baseline: redis-server has no pid");
    const admin = connect(redis, "direct-bench");
    const injector = connect(redis, "direct-inject", true);
    const doneConn = connect(redis, "direct-done");
    clients.push(admin, injector, doneConn);
    // Groups from the start of each stream, so nothing injected before a stage's first read is missed.
    for (const s of stages) await admin.xgroup("CREATE", s.input, s.name, "0", "MKSTREAM");

    const config: WorkerConfig = { port: redis.port, stages, ...workerTuning };
    const worker = group.spawn(
      "direct-worker",
      process.execPath,
      workerCommand(config),
      { ...process.env, DIRECT_REDIS_PASSWORD: redis.password },
      join(opts.logDir, "direct-worker.log"),
    );
    const workerPid = worker.child.pid;
    if (workerPid === undefined) throw new Error("direct baseline: the worker has no pid");
    void worker.exited.then((code) => {
      if (!stopped) completions.fail(new Error(`direct worker exited (${code}); see ${worker.logFile}`));
    });
    await awaitReady(worker, 30_000);
    doneReader = readDone(doneConn, completions, () => stopped);
    doneReader.catch((err: unknown) => completions.fail(err instanceof Error ? err : new Error(String(err))));

    // Saturation: every order injected at once (pipelined XADDs), the pipeline drains them as fast as it can.
    const satIds = Array.from({ length: opts.saturationMessages }, () => randomUUID());
    const satDone = satIds.map((id) => completions.expect(id));
    satDone.forEach((p) => p.catch(() => {}));
    const satBefore = readCpu(workerPid, redisPid);
    const satStart = Date.now();
    let lastCount = 0;
    const satTicker = setInterval(() => {
      const done = completions.completed;
      progress(`direct saturation: ${done}/${opts.saturationMessages} complete, ${done - lastCount}/s`);
      lastCount = done;
    }, 1000);
    let satTimes: number[];
    try {
      for (let i = 0; i < satIds.length; i += 500) {
        const pipe = admin.pipeline();
        for (const id of satIds.slice(i, i + 500)) pipe.xadd(streams.placed, "*", "data", placedEvent(id));
        for (const [err] of (await pipe.exec()) ?? []) if (err) throw err;
      }
      satTimes = await Promise.all(satDone);
    } finally {
      clearInterval(satTicker);
    }
    const satCost = costBetween(satBefore, readCpu(workerPid, redisPid), opts.saturationMessages);
    const perSecond = steadyRate(satTimes);
    const satSeconds = (satTimes.reduce((a, b) => Math.max(a, b), satStart) - satStart) / 1000;
    progress(`direct saturation: ${opts.saturationMessages} in ${satSeconds.toFixed(1)} s, steady ${Math.round(perSecond)}/s`);
    if (!Number.isFinite(perSecond) || perSecond <= 0)
      throw new Error(`direct baseline: no saturation rate from ${satTimes.length} completions`);

    // Half of saturation, open model: each order is due at a fixed rate, its latency counts from then.
    const ratePerSecond = perSecond / 2;
    const count = Math.max(1, Math.round(ratePerSecond * opts.halfRateSeconds));
    const halfBefore = readCpu(workerPid, redisPid);
    const load = await runOpenModel({
      ratePerSecond,
      count,
      maxInFlight: 10_000,
      send: async () => {
        const orderId = randomUUID();
        const done = completions.expect(orderId);
        await injector.xadd(streams.placed, "*", "data", placedEvent(orderId));
        return done;
      },
      onTick: (p) =>
        progress(`direct at ${Math.round(ratePerSecond)}/s: ${p.done}/${count} complete, ${p.inFlight} in flight, ${p.failed} failed`),
    });
    const halfCost = costBetween(halfBefore, readCpu(workerPid, redisPid), count);
    const failures = load.results.flatMap((r) => (r.ok ? [] : [r.error]));
    if (failures.length > 0)
      throw new Error(`direct baseline: ${failures.length} of ${count} orders failed at half rate, first: ${failures[0]}`);
    const latencies = load.results.flatMap((r) => (r.ok ? [r.value - r.arrival.dueAt] : []));
    const peak = readProc(workerPid)?.peakRssMb ?? Number.NaN;

    // Let late duplicates show before counting.
    await new Promise((r) => setTimeout(r, 300));
    const events = satCost.events + halfCost.events;
    return {
      hops: stages.length,
      description: directDescription,
      messageBytes: Buffer.byteLength(placedEvent(randomUUID())),
      saturation: { messages: opts.saturationMessages, seconds: satSeconds, perSecond, cost: satCost },
      atHalf: { ratePerSecond, count, latencyMs: summarize(latencies), maxSendDelayMs: load.maxSendDelayMs, cost: halfCost },
      workerCpuSecondsPer1000: ((satCost.workerCpuSeconds + halfCost.workerCpuSeconds) / events) * 1000,
      workerPeakRssMb: peak,
      redisCpuSecondsPer1000: ((satCost.redisCpuSeconds + halfCost.redisCpuSeconds) / events) * 1000,
      injected: completions.injectedCount,
      completed: completions.completed,
      duplicates: completions.duplicates,
      unexpected: completions.unexpected,
      pids: { worker: workerPid, redis: redisPid },
    };
  } finally {
    stopped = true;
    clearInterval(watchdog);
    completions.fail(new Error("direct baseline stopped"));
    await doneReader?.catch(() => {});
    for (const c of clients) c.disconnect();
    // The worker before its broker; then the broker's data goes (its log stays).
    await group.stopAll((m) => (m.name === "direct-redis" ? 1 : 0));
    rmSync(dataDir, { recursive: true, force: true });
  }
}
