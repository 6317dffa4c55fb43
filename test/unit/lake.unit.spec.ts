import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { type KeyValueStore, type Versioned, type Write } from "../../services/shared/application/key-value-store.js";
import { Lake } from "../../services/replicator/lake.js";
import { ConcurrencyError } from "../../services/shared/errors.js";
import type { EventRecord } from "../../services/shared/events/envelope.js";

const store = "lake-store";
const tick = () => new Promise((r) => setImmediate(r));

/**
 * A state store in memory with the concurrency rules of a real one (PostgreSQL's, the stricter):
 * replacing a key needs its current ETag, creating one needs it absent, and a transaction with
 * any conflict changes nothing.
 */
class MemoryStore implements KeyValueStore {
  readonly data = new Map<string, { json: string; version: number }>();
  /** Every transaction attempted, conflicting or failed ones too. */
  readonly attempts: (readonly Write[])[] = [];
  /** Every transaction applied. */
  readonly committed: (readonly Write[])[] = [];
  /** Runs as a transaction arrives, before it is checked: may write through another lake, or throw. */
  beforeWrite: ((writes: readonly Write[]) => Promise<void>) | undefined;

  async getMany<T>(storeName: string, keys: readonly string[]): Promise<Map<string, Versioned<T>>> {
    expect(storeName).toBe(store);
    await tick();
    const found = new Map<string, Versioned<T>>();
    for (const key of keys) {
      const item = this.data.get(key);
      if (item) found.set(key, { value: JSON.parse(item.json) as T, etag: String(item.version) });
    }
    return found;
  }

  async write(storeName: string, writes: readonly Write[]): Promise<void> {
    expect(storeName).toBe(store);
    this.attempts.push(writes);
    await tick();
    await this.beforeWrite?.(writes);
    expect(new Set(writes.map((w) => w.key)).size).toBe(writes.length);
    for (const w of writes) {
      const current = this.data.get(w.key);
      const conflict = w.overwrite ? false : w.etag === undefined ? current !== undefined : current?.version !== Number(w.etag);
      if (conflict) throw new ConcurrencyError(`state changed concurrently in ${store} (${w.key})`);
    }
    for (const w of writes) this.data.set(w.key, { json: JSON.stringify(w.value), version: (this.data.get(w.key)?.version ?? 0) + 1 });
    this.committed.push(writes);
  }

  /** The most events any stored value holds. */
  largestValue(): number {
    return Math.max(
      0,
      ...[...this.data.values()].map((v) => {
        const parsed = JSON.parse(v.json) as { events?: unknown[] };
        return parsed.events?.length ?? 0;
      }),
    );
  }

  /** How many events each applied transaction archived. */
  batchSizes(): number[] {
    return this.committed.map((writes) => writes.filter((w) => w.key.startsWith("seen-")).length);
  }
}

const base = Date.parse("2026-03-01T10:00:00.000Z");

function event(overrides: Partial<EventRecord> = {}): EventRecord {
  return {
    id: randomUUID(),
    type: "io.meridian.stock.level.changed",
    schemaVersion: 1,
    subject: `sku-${randomUUID()}`,
    aggregateVersion: 1,
    occurredAt: new Date(base).toISOString(),
    originRegion: "east",
    correlationId: "c",
    causationId: null,
    data: { available: 1, reserved: 0 },
    ...overrides,
  };
}

/** `n` events of one subject, 200 ms apart from `start`, in version order. */
function history(subject: string, n: number, start = base): EventRecord[] {
  return Array.from({ length: n }, (_, i) =>
    event({ subject, aggregateVersion: i + 1, occurredAt: new Date(start + i * 200).toISOString() }),
  );
}

/** A fixed permutation, so arrival order differs from occurrence order. */
function shuffled<T>(items: readonly T[]): T[] {
  return items
    .map((item, i) => ({ item, rank: (i * 7919) % 1009 }))
    .sort((a, b) => a.rank - b.rank)
    .map((x) => x.item);
}

const ids = (events: readonly EventRecord[]) => events.map((e) => e.id);

describe("event lake", () => {
  it("archives each event once, whether it repeats within a batch or comes back in a later one", async () => {
    const kv = new MemoryStore();
    const lake = new Lake(kv, store);
    const [a, b] = [event({ subject: "s" }), event({ subject: "s", aggregateVersion: 2 })];
    expect(await Promise.all([lake.archive(a, "orders"), lake.archive(a, "orders"), lake.archive(b, "orders")])).toEqual([
      true,
      false,
      true,
    ]);
    expect(await Promise.all([lake.archive(b, "orders"), lake.archive(a, "orders")])).toEqual([false, false]);
    expect(ids(await lake.bySubject("s"))).toEqual([a.id, b.id]);
    expect(await lake.count("orders", "east")).toBe(2);
    expect(kv.committed).toHaveLength(1);
  });

  it("writes many concurrent events in few transactions, and what arrives during a flush in the next", async () => {
    const kv = new MemoryStore();
    const lake = new Lake(kv, store);
    const events = Array.from({ length: 450 }, () => event());
    expect((await Promise.all(events.map((e) => lake.archive(e, "inventory")))).every(Boolean)).toBe(true);
    expect(kv.batchSizes()).toEqual([200, 200, 50]);
    expect(Math.max(...kv.committed.map((w) => w.length))).toBeLessThanOrEqual(600);

    let release = () => {};
    const held = new Promise<void>((r) => (release = r));
    kv.beforeWrite = () => held;
    const first = lake.archive(event(), "inventory");
    while (kv.attempts.length === 3) await tick();
    const during = Array.from({ length: 300 }, () => lake.archive(event(), "inventory"));
    release();
    await Promise.all([first, ...during]);
    expect(kv.batchSizes().slice(3)).toEqual([1, 200, 100]);
    expect(await lake.count("inventory", "east")).toBe(751);
  });

  it("rolls pages over, keeps every value within a page, and replays a subject and a time range whole and in order", async () => {
    const kv = new MemoryStore();
    const lake = new Lake(kv, store);
    const stock = history("SKU-1", 250);
    const arrivals = shuffled(stock);
    for (let i = 0; i < arrivals.length; i += 60) await Promise.all(arrivals.slice(i, i + 60).map((e) => lake.archive(e, "inventory")));
    expect(kv.committed.length).toBeGreaterThan(4);

    expect(ids(await lake.bySubject("SKU-1"))).toEqual(ids(stock));
    const minute = { from: new Date(base), to: new Date(base + 60_000) };
    expect(ids(await lake.byTime(minute.from, minute.to))).toEqual(ids(stock));
    // [from, to): the event at `from` is in, the one at `to` is not.
    expect(ids(await lake.byTime(new Date(base + 1000), new Date(base + 2000)))).toEqual(ids(stock.slice(5, 10)));
    expect(await lake.byTime(new Date(base + 60_000), new Date(base + 120_000))).toEqual([]);
    expect(await lake.bySubject("SKU-2")).toEqual([]);

    expect(kv.largestValue()).toBeLessThanOrEqual(100);
    expect(JSON.parse(kv.data.get("subject-SKU-1")!.json)).toMatchObject({ pages: 2 });
    expect([...kv.data.keys()].filter((k) => k.startsWith("subjectpage-"))).toHaveLength(2);
  });

  it("replays a time range across minutes, whichever subjects the events have", async () => {
    const kv = new MemoryStore();
    const lake = new Lake(kv, store, { pageSize: 10 });
    // 5 events per second over three minutes, on a handful of subjects.
    const events = Array.from({ length: 900 }, (_, i) =>
      event({ subject: `order-${i % 7}`, aggregateVersion: i + 1, occurredAt: new Date(base + i * 200).toISOString() }),
    );
    await Promise.all(shuffled(events).map((e) => lake.archive(e, "orders")));
    expect(ids(await lake.byTime(new Date(base + 30_000), new Date(base + 150_000)))).toEqual(ids(events.slice(150, 750)));
    expect(ids(await lake.bySubject("order-3"))).toEqual(ids(events.filter((e) => e.subject === "order-3")));
    expect(kv.largestValue()).toBeLessThanOrEqual(10);
  });

  it("counts the distinct events archived per topic and origin", async () => {
    const kv = new MemoryStore();
    const lake = new Lake(kv, store);
    const sent = ["orders", "inventory", "payments"].flatMap((topic) =>
      ["east", "west"].flatMap((origin, o) => Array.from({ length: 10 + o * 5 }, () => ({ topic, e: event({ originRegion: origin }) }))),
    );
    // Every event twice (the commit-time publish and the outbox's later copy), some in the same batch.
    await Promise.all(sent.map(({ topic, e }) => lake.archive(e, topic)));
    await Promise.all([...sent].reverse().map(({ topic, e }) => lake.archive(e, topic)));
    for (const topic of ["orders", "inventory", "payments"]) {
      expect(await lake.count(topic, "east")).toBe(10);
      expect(await lake.count(topic, "west")).toBe(15);
    }
    expect(await lake.count("orders", "north")).toBe(0);
  });

  it("plans a batch again when another replica wrote in between, losing and doubling nothing", async () => {
    const kv = new MemoryStore();
    const [mine, theirs] = [new Lake(kv, store), new Lake(kv, store)];
    const [a, b, shared] = [event({ subject: "o" }), event({ subject: "o", aggregateVersion: 2 }), event({ subject: "p" })];
    let interleaved = false;
    kv.beforeWrite = async () => {
      if (interleaved) return;
      interleaved = true;
      // The other replica writes the same minute, subject, counter, and one of the same events.
      expect(await Promise.all([theirs.archive(b, "orders"), theirs.archive(shared, "orders")])).toEqual([true, true]);
    };
    expect(await Promise.all([mine.archive(a, "orders"), mine.archive(shared, "orders")])).toEqual([true, false]);
    expect(kv.attempts).toHaveLength(3);
    expect(kv.committed).toHaveLength(2);
    expect(ids(await mine.bySubject("o"))).toEqual([a.id, b.id]);
    expect(ids(await mine.bySubject("p"))).toEqual([shared.id]);
    expect(new Set(ids(await mine.byTime(new Date(base), new Date(base + 60_000))))).toEqual(new Set([a.id, b.id, shared.id]));
    expect(await mine.count("orders", "east")).toBe(3);
  });

  it("gives up on a batch that keeps conflicting after a few attempts", async () => {
    const kv = new MemoryStore();
    const lake = new Lake(kv, store, { conflictAttempts: 3 });
    kv.beforeWrite = () => Promise.reject(new ConcurrencyError("always"));
    await expect(lake.archive(event(), "orders")).rejects.toBeInstanceOf(ConcurrencyError);
    expect(kv.attempts).toHaveLength(3);
  });

  it("rejects the callers of a batch the store fails, and goes on with the next", async () => {
    const kv = new MemoryStore();
    const lake = new Lake(kv, store);
    const failed = [event(), event(), event()];
    let later: Promise<boolean>[] = [];
    kv.beforeWrite = async () => {
      kv.beforeWrite = undefined;
      later = [event(), event()].map((e) => lake.archive(e, "orders"));
      throw new Error("store down");
    };
    const outcomes = await Promise.allSettled(failed.map((e) => lake.archive(e, "orders")));
    expect(outcomes.map((o) => o.status === "rejected" && (o.reason as Error).message)).toEqual(["store down", "store down", "store down"]);
    expect(await Promise.all(later)).toEqual([true, true]);
    // Nothing of the failed batch was kept: its events are new when delivered again.
    expect(await Promise.all(failed.map((e) => lake.archive(e, "orders")))).toEqual([true, true, true]);
    expect(await lake.count("orders", "east")).toBe(5);
  });

  it("splits a batch that would make too large a transaction", async () => {
    const kv = new MemoryStore();
    const maxBytes = 20_000;
    const lake = new Lake(kv, store, { pageSize: 5, limits: { maxBytes } });
    const events = Array.from({ length: 100 }, (_, i) => event({ subject: `s${i % 10}`, data: { padding: "x".repeat(500) } }));
    expect((await Promise.all(events.map((e) => lake.archive(e, "orders")))).every(Boolean)).toBe(true);
    expect(kv.committed.length).toBeGreaterThan(1);
    for (const writes of kv.committed) expect(writes.reduce((n, w) => n + JSON.stringify(w.value).length, 0)).toBeLessThanOrEqual(maxBytes);
    expect(await lake.count("orders", "east")).toBe(100);
  });

  it("pages a log written before logs were paged on its next append", async () => {
    const kv = new MemoryStore();
    const lake = new Lake(kv, store);
    const old = history("legacy", 150);
    kv.data.set("subject-legacy", { json: JSON.stringify({ events: old }), version: 7 });
    const next = event({ subject: "legacy", aggregateVersion: 151, occurredAt: new Date(base + 150 * 200).toISOString() });
    expect(await lake.archive(next, "inventory")).toBe(true);
    expect(ids(await lake.bySubject("legacy"))).toEqual(ids([...old, next]));
    expect(kv.largestValue()).toBeLessThanOrEqual(100);
  });
});
