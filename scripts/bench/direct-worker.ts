/**
 * The direct-broker baseline's consumers (started by direct.ts, never on its own): the saga's
 * four hops with a plain Redis client and nothing in between. Each stage reads its input stream
 * through its own consumer group and, per message, writes a small state record and publishes the
 * next event in one MULTI (what the outbox makes atomic on the Dapr path), then XACKs it.
 *
 * argv[2] is the WorkerConfig as JSON. Prints "ready" once every stage is reading; exits on
 * SIGTERM, on any Redis error, and when the process that started it is gone.
 */
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";

export interface StageSpec {
  /** Also the consumer group's name, as an app-id is on the Dapr path. */
  readonly name: string;
  readonly input: string;
  readonly output: string;
  /** Type of the event published to `output`; null for the last stage, which only reports completion. */
  readonly nextType: string | null;
  /** Prefix of the state record's key (the order id is appended). */
  readonly stateKey: string;
}

export interface WorkerConfig {
  readonly port: number;
  readonly stages: readonly StageSpec[];
  /** XREADGROUP COUNT. */
  readonly batch: number;
  /** Messages read but not yet acked, per stage: reading goes on while a batch is being handled, up to this. */
  readonly maxInFlight: number;
  readonly blockMs: number;
}

interface Received {
  readonly id: string;
  readonly data: string;
}

const trimEveryMs = 1000;

function connect(port: number, name: string): Redis {
  // No reconnecting: a broker that went away ends the run, it is not waited for.
  // The broker's password comes through the environment (set by direct.ts), not argv, where `ps` shows it.
  const password = process.env["DIRECT_REDIS_PASSWORD"];
  return new Redis({ host: "127.0.0.1", port, password, connectionName: name, retryStrategy: () => null, maxRetriesPerRequest: 0 });
}

/** XREADGROUP's reply for one stream: [[stream, [[id, [field, value, ...]], ...]]]. */
function entriesOf(reply: unknown): Received[] {
  if (!Array.isArray(reply)) return [];
  const stream = reply[0] as [string, [string, string[]][]] | undefined;
  return (stream?.[1] ?? []).map(([id, fields]) => {
    const at = fields.indexOf("data");
    return { id, data: at >= 0 ? (fields[at + 1] ?? "") : "" };
  });
}

interface EventLike {
  id: string;
  subject: string;
  aggregateVersion: number;
  [key: string]: unknown;
}

class Stage {
  private readonly reader: Redis;
  private readonly writer: Redis;
  private inFlight = 0;
  /** First entry id of each batch being handled, oldest first: nothing from there on may be trimmed. */
  private readonly batchesInFlight: string[] = [];
  private lastReadId: string | undefined;
  private lastTrimAt = 0;
  private slotFree: (() => void) | undefined;
  processed = 0;

  constructor(
    private readonly spec: StageSpec,
    private readonly config: WorkerConfig,
  ) {
    this.reader = connect(config.port, `direct-${spec.name}-read`);
    this.writer = connect(config.port, `direct-${spec.name}-write`);
  }

  async ready(): Promise<void> {
    await Promise.all([this.reader.ping(), this.writer.ping()]);
  }

  async run(stopping: () => boolean): Promise<void> {
    const { batch, maxInFlight, blockMs } = this.config;
    while (!stopping()) {
      if (this.inFlight >= maxInFlight) {
        await new Promise<void>((resolve) => (this.slotFree = resolve));
        continue;
      }
      const count = Math.min(batch, maxInFlight - this.inFlight);
      const reply = await this.reader.xreadgroup(
        "GROUP",
        this.spec.name,
        "direct-worker",
        "COUNT",
        count,
        "BLOCK",
        blockMs,
        "STREAMS",
        this.spec.input,
        ">",
      );
      const entries = entriesOf(reply);
      if (entries.length === 0) continue;
      this.inFlight += entries.length;
      this.batchesInFlight.push(entries[0]!.id);
      this.lastReadId = entries[entries.length - 1]!.id;
      // Handled while the next batch is read, like daprd's workers behind its poll loop.
      void this.handle(entries).then(
        () => {
          this.inFlight -= entries.length;
          this.batchesInFlight.splice(this.batchesInFlight.indexOf(entries[0]!.id), 1);
          this.processed += entries.length;
          this.slotFree?.();
          this.slotFree = undefined;
          this.trimInput();
        },
        (err: unknown) => fail(`${this.spec.name}: ${err instanceof Error ? err.message : String(err)}`),
      );
    }
  }

  /** One MULTI {HSET state, XADD next} per message, pipelined; then, once they committed, one XACK per message. */
  private async handle(entries: readonly Received[]): Promise<void> {
    const now = new Date();
    const tx = this.writer.pipeline();
    for (const entry of entries) {
      const event = JSON.parse(entry.data) as EventLike;
      const orderId = event.subject;
      const state = JSON.stringify({
        orderId,
        stage: this.spec.name,
        status: this.spec.nextType ?? "confirmed",
        updatedAt: now.toISOString(),
        lastEventId: event.id,
      });
      tx.call("MULTI");
      tx.hset(`${this.spec.stateKey}:${orderId}`, "data", state, "version", String(event.aggregateVersion));
      if (this.spec.nextType === null) {
        // The stream entry's id is stamped by the broker at commit: that is when the order counts as confirmed.
        tx.xadd(this.spec.output, "*", "id", orderId);
      } else {
        const next = {
          ...event,
          id: randomUUID(),
          type: this.spec.nextType,
          aggregateVersion: event.aggregateVersion + 1,
          occurredAt: now.toISOString(),
          causationId: event.id,
        };
        tx.xadd(this.spec.output, "*", "data", JSON.stringify(next));
      }
      tx.call("EXEC");
    }
    const results = (await tx.exec()) ?? [];
    for (const [err, value] of results) {
      if (err) throw err;
      if (Array.isArray(value)) for (const inner of value) if (inner instanceof Error) throw inner;
    }
    const acks = this.writer.pipeline();
    for (const entry of entries) acks.xack(this.spec.input, this.spec.name, entry.id);
    for (const [err] of (await acks.exec()) ?? []) if (err) throw err;
  }

  /** Drops what every consumer is done with, at most once a second, so a long run does not fill the broker's memory. */
  private trimInput(): void {
    if (Date.now() - this.lastTrimAt < trimEveryMs || this.lastReadId === undefined) return;
    this.lastTrimAt = Date.now();
    const keepFrom = this.batchesInFlight[0] ?? this.lastReadId;
    this.writer.xtrim(this.spec.input, "MINID", "~", keepFrom).catch((err: unknown) => fail(`${this.spec.name} XTRIM: ${String(err)}`));
  }

  disconnect(): void {
    this.reader.disconnect();
    this.writer.disconnect();
  }
}

let stages: Stage[] = [];
let stopping = false;

function stop(code: number): never {
  stopping = true;
  process.stdout.write(`stopping (${code}); processed: ${stages.map((s) => s.processed).join(" ")}\n`);
  for (const s of stages) s.disconnect();
  process.exit(code);
}

function fail(message: string): never {
  process.stderr.write(`direct-worker: ${message}\n`);
  return stop(1);
}

async function main(): Promise<void> {
  const raw = process.argv[2];
  if (!raw) fail("usage: direct-worker <config json>");
  const config = JSON.parse(raw) as WorkerConfig;
  process.on("SIGTERM", () => stop(0));
  process.on("SIGINT", () => stop(0));
  // Never outlive the bench: when it is gone, this process is re-parented.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) fail("the bench process is gone");
  }, 500).unref();

  stages = config.stages.map((spec) => new Stage(spec, config));
  await Promise.all(stages.map((s) => s.ready()));
  const loops = stages.map((s) => s.run(() => stopping));
  process.stdout.write(`ready: ${config.stages.map((s) => `${s.input} -> ${s.name} -> ${s.output}`).join(", ")}\n`);
  await Promise.all(loops);
}

main().catch((err: unknown) => fail(err instanceof Error ? (err.stack ?? err.message) : String(err)));
