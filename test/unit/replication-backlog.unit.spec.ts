import { Registry } from "prom-client";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { components, peerLinkName, topics } from "../../platform/topology.js";
import { Lake } from "../../services/replicator/lake.js";
import { replicationMetrics } from "../../services/replicator/metrics.js";
import { Replication, startAcknowledger } from "../../services/replicator/replication.js";
import type { Sidecar } from "../../services/shared/dapr/sidecar.js";
import type { EventRecord } from "../../services/shared/events/envelope.js";
import type { ReplicationAcknowledged } from "../../services/shared/events/replication-events.js";
import type { Logger } from "../../services/shared/log.js";
import type { Worker } from "../../services/shared/service.js";
import { confirmedFixture, placedFixture } from "../support/order-fixtures.js";
import { RedisLikeStore } from "../support/redis-like-store.js";

/**
 * How a peer link's publish behaves: `ok` answers at once, `stall` never answers (a link cut on a
 * broker whose publish waits without end), `slow-fail` fails after `failAfterMs` (RabbitMQ
 * retrying a cut link: 3 attempts, 2–3 s apart).
 */
type LinkMode = "ok" | "stall" | "slow-fail";

/** The peer links as the replicator's sidecar publishes to them: every call recorded, in flight counted. */
class PeerLinks {
  readonly calls: { pubsub: string; topic: string; ack: EventRecord }[] = [];
  private readonly inFlight = new Map<string, number>();
  /** The most publishes any one link has had in flight at once. */
  readonly maxInFlight = new Map<string, number>();

  constructor(
    private readonly modes: Record<string, LinkMode>,
    private readonly failAfterMs = 9_000,
  ) {}

  callsTo(peer: string) {
    return this.calls.filter((c) => c.pubsub === peerLinkName(peer));
  }

  publish = (pubsub: string, topic: string, data: unknown): Promise<void> => {
    this.calls.push({ pubsub, topic, ack: data as EventRecord });
    const now = (this.inFlight.get(pubsub) ?? 0) + 1;
    this.inFlight.set(pubsub, now);
    this.maxInFlight.set(pubsub, Math.max(now, this.maxInFlight.get(pubsub) ?? 0));
    const done = () => this.inFlight.set(pubsub, (this.inFlight.get(pubsub) ?? 1) - 1);
    const mode = this.modeOf(pubsub);
    if (mode === "stall") return new Promise<void>(() => undefined);
    if (mode === "slow-fail")
      return new Promise<void>((_, reject) =>
        setTimeout(() => {
          done();
          reject(new Error("connection refused, 3 attempts"));
        }, this.failAfterMs),
      );
    done();
    return Promise.resolve();
  };

  private modeOf(pubsub: string): LinkMode {
    const peer = Object.keys(this.modes).find((p) => peerLinkName(p) === pubsub);
    return peer ? this.modes[peer]! : "ok";
  }
}

const events = (origin: string, n: number, from = 0): EventRecord[] =>
  Array.from({ length: n }, (_, i) => ({
    ...(i % 2 === 0 ? placedFixture : confirmedFixture),
    id: `00000000-0000-4000-8000-${String(from + i).padStart(12, "0")}`,
    subject: `11111111-1111-4111-8111-${String(Math.floor((from + i) / 2)).padStart(12, "0")}`,
    aggregateVersion: (i % 2) + 1,
    originRegion: origin,
  }));

/** Awaits work whose store calls sleep on the (fake) timers, a millisecond each: lets them run. */
async function settle<T>(work: Promise<T>): Promise<T> {
  let settled = false;
  const done = work.finally(() => (settled = true));
  for (let i = 0; i < 100 && !settled; i++) await vi.advanceTimersByTimeAsync(1);
  return done;
}

/** Region east's replicator over an in-memory lake (Redis's rules), its peer links as given. */
function eastReplicator(peers: readonly string[], links: PeerLinks, opts: { ackPublishTimeoutMs?: number } = {}) {
  const store = new RedisLikeStore();
  const kv = store.sidecar(0);
  const lake = new Lake(kv, components.lakeStore);
  const registry = new Registry();
  const debug: { msg: string; fields: unknown }[] = [];
  const warn: { msg: string; fields: unknown }[] = [];
  const log: Logger = {
    debug: (msg: string, fields?: unknown) => void debug.push({ msg, fields }),
    info: () => undefined,
    warn: (msg: string, fields?: unknown) => void warn.push({ msg, fields }),
    error: () => undefined,
  } as Logger;
  const sidecar = { ...(kv as unknown as Record<string, unknown>), publish: links.publish } as unknown as Sidecar;
  const replication = new Replication({
    region: "east",
    peers,
    sidecar,
    lake,
    log,
    replication: replicationMetrics(registry),
    clock: () => new Date(),
    ...opts,
  });
  const backlog = async (): Promise<Record<string, number>> =>
    Object.fromEntries(
      (await registry.getSingleMetric("meridian_replication_backlog_events")!.get()).values.map((v) => [v.labels["peer"], v.value]),
    );
  const archive = (batch: readonly EventRecord[]) => settle(Promise.all(batch.map((e) => lake.archive(e, topics.orders))));
  /**
   * Starts the acknowledger (a tick every second) and moves to half a second: from there, each
   * `advanceTimersByTimeAsync(1000)` crosses one tick and lets its store reads finish.
   */
  const start = async (turn: (work: () => Promise<void>) => Promise<void> = (work) => work()) => {
    const worker = startAcknowledger(replication, 1000, log, turn);
    await vi.advanceTimersByTimeAsync(500);
    return worker;
  };
  return { replication, log, debug, warn, backlog, archive, start };
}

describe("the replication backlog gauge", () => {
  let worker: Worker | undefined;
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"] });
  });
  afterEach(() => {
    worker?.stop();
    worker = undefined;
    vi.useRealTimers();
  });

  it("has a series for every peer from the start, before any tick or acknowledgement", async () => {
    const east = eastReplicator(["west", "north"], new PeerLinks({}));
    expect(await east.backlog()).toEqual({ west: 0, north: 0 });
  });

  it("stays fresh on every tick while a peer link stalls, with one acknowledgement in flight, not one per tick", async () => {
    const links = new PeerLinks({ west: "stall" });
    const east = eastReplicator(["west"], links);
    await east.archive(events("east", 2));
    worker = await east.start();

    await vi.advanceTimersByTimeAsync(1000);
    expect(await east.backlog()).toEqual({ west: 2 });
    expect(links.callsTo("west")).toHaveLength(1);

    // east keeps writing while cut off: each tick shows it, although the first publish never answered.
    for (let i = 1; i <= 10; i++) {
      await east.archive(events("east", 2, 2 * i));
      await vi.advanceTimersByTimeAsync(1000);
      expect(await east.backlog()).toEqual({ west: 2 + 2 * i });
    }
    // Eleven ticks, one publish: the stalled one holds west's slot, and no tick waited for it.
    expect(links.callsTo("west")).toHaveLength(1);
    expect(east.warn).toEqual([]);

    // An acknowledgement that does arrive still counts at once.
    await settle(
      east.replication.onAck({
        ...placedFixture,
        type: "io.meridian.replication.acknowledged",
        data: { region: "west", applied: { east: 20 } } satisfies ReplicationAcknowledged,
      }),
    );
    expect(await east.backlog()).toEqual({ west: 2 });
  });

  it("gives up on a publish that never answers after a bounded time, then sends the newer count", async () => {
    const links = new PeerLinks({ west: "stall" });
    const east = eastReplicator(["west"], links, { ackPublishTimeoutMs: 5000 });
    await east.archive(events("west", 3));
    worker = await east.start();

    // Sent at 1 s; at 5.5 s still waited for, and no tick has sent another.
    await vi.advanceTimersByTimeAsync(5000);
    expect(links.callsTo("west")).toHaveLength(1);
    expect(east.debug.map((d) => d.msg)).toEqual([]);
    // Given up at 6 s; the tick at 7 s sends the newer count.
    await vi.advanceTimersByTimeAsync(1000);
    expect(east.debug.map((d) => d.msg)).toEqual(["acknowledgement not delivered; the next one carries the newer count"]);
    expect(east.debug[0]!.fields).toMatchObject({ peer: "west", error: "not published within 5000 ms; given up" });
    await east.archive(events("west", 1, 3));
    await vi.advanceTimersByTimeAsync(1000);
    const sent = links.callsTo("west");
    expect(sent).toHaveLength(2);
    expect(sent.map((c) => (c.ack.data as ReplicationAcknowledged).applied)).toEqual([{ west: 3 }, { west: 4 }]);
  });

  it("with a link that fails slowly (RabbitMQ retrying a cut link), publishes one at a time and keeps the backlog fresh", async () => {
    const links = new PeerLinks({ west: "slow-fail" }, 9000);
    const east = eastReplicator(["west"], links);
    await east.archive(events("east", 4));
    worker = await east.start();

    for (let t = 1; t <= 30; t++) {
      await vi.advanceTimersByTimeAsync(1000);
      expect(await east.backlog()).toEqual({ west: 4 });
    }
    expect(links.maxInFlight.get(peerLinkName("west"))).toBe(1);
    // Sent at 1 s, failed at 10 s; sent at 11 s, failed at 20 s; sent at 21 s, failed at 30 s.
    expect(links.callsTo("west")).toHaveLength(3);
    expect(east.debug).toHaveLength(3);
  });

  it("keeps acknowledging a healthy peer every tick while another peer's link stalls", async () => {
    const links = new PeerLinks({ west: "stall", north: "ok" });
    const east = eastReplicator(["west", "north"], links);
    await east.archive([...events("west", 2), ...events("north", 5, 10)]);
    worker = await east.start();

    await vi.advanceTimersByTimeAsync(5000);
    expect(links.callsTo("west")).toHaveLength(1);
    const north = links.callsTo("north");
    expect(north).toHaveLength(5);
    // What is acknowledged is as before: east's count of north's order events, to north's link.
    for (const { topic, ack } of north) {
      expect(topic).toBe(topics.replicationAcks);
      expect(ack.type).toBe("io.meridian.replication.acknowledged");
      expect(ack.data).toEqual({ region: "east", applied: { north: 5 } });
    }
    expect(new Set(links.calls.map((c) => c.ack.aggregateVersion)).size).toBe(links.calls.length);
  });

  it("refreshes the backlog even when this replica's turn fails or never comes", async () => {
    const links = new PeerLinks({});
    const east = eastReplicator(["west"], links);
    await east.archive(events("east", 6));
    worker = await east.start(() => Promise.reject(new Error("lock store down")));

    await vi.advanceTimersByTimeAsync(1000);
    expect(await east.backlog()).toEqual({ west: 6 });
    expect(links.calls).toEqual([]);
    expect(east.warn.map((w) => w.msg)).toEqual(["acknowledging failed"]);
  });
});
