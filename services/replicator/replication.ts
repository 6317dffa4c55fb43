/**
 * The replication protocol of one region: applying the order events its peers originated, in
 * version order, and telling each peer how far it has got (acknowledgements), from which each
 * region measures what its peers still have to apply (backlog).
 */
import { randomUUID } from "node:crypto";
import { apps, components, deadLetterTopicOf, peerLinkName, topics } from "../../platform/topology.js";
import type { Outcome } from "../shared/application/outcome.js";
import type { Sidecar } from "../shared/dapr/sidecar.js";
import { HttpMethod } from "../shared/dapr/sidecar.js";
import { InvocationError } from "../shared/errors.js";
import { createEvent } from "../shared/events/contracts.js";
import type { EventRecord } from "../shared/events/envelope.js";
import type { Fault } from "../shared/events/fault.js";
import { isEventRefusal } from "../shared/http/event-refused.js";
import { type ReplicationAcknowledged, replicationEventTypes } from "../shared/events/replication-events.js";
import { type Logger, errorFields } from "../shared/log.js";
import type { Worker } from "../shared/service.js";
import type { Lake } from "./lake.js";
import type { ReplicationMetrics } from "./metrics.js";

export interface ReplicationDeps {
  readonly region: string;
  readonly peers: readonly string[];
  readonly sidecar: Sidecar;
  readonly lake: Lake;
  readonly log: Logger;
  readonly replication: ReplicationMetrics;
  readonly clock: () => Date;
  /** How long one acknowledgement's publish may stay in flight before it is given up; 15 s unless set. */
  readonly ackPublishTimeoutMs?: number;
}

/** How long a replica that overtook its predecessor waits in-process: up to 10 × 20 ms. */
const inOrderAttempts = 10;
const inOrderWaitMs = 20;

/**
 * Longer than a publish to a cut link takes to fail on any broker (RabbitMQ's retries take up to
 * about 10 s), so a link that is down is tried one publish at a time; only a publish that hangs
 * beyond that is given up on, and its peer's next tick sends the newer count.
 */
const defaultAckPublishTimeoutMs = 15_000;

export class Replication {
  private readonly acknowledged = new Map<string, number>();
  private ackSequence = 0;
  /** Peers with an acknowledgement on its way (counted, then published): at most one each. */
  private readonly ackInFlight = new Set<string>();

  constructor(private readonly deps: ReplicationDeps) {
    // A series for every peer from the start, 0 until the first refresh knows better: a peer with
    // no series reads as "nothing to measure" on a dashboard, and a drill reading it while the
    // links are cut would find no backlog at all.
    for (const peer of deps.peers) deps.replication.backlog.set({ peer }, 0);
  }

  /**
   * An order event from `peer`'s broker. It counts as `peer`'s, whatever origin it declares: the
   * link it came over is what this region knows, the declaration only what the sender says. So
   * the replica is stamped with the link's peer, and orders checks that against the order's home
   * region (only `peer`'s own orders may come from `peer`). Trusting the declaration would let a
   * peer pass off a third region's orders, or this region's own (stored with this region as their
   * origin, they would be published on its own topic, for its inventory and payments to act on).
   * The peer's topic carries only what its own orders decided (its replicas of other regions'
   * orders go to its replica topic), so a declaration that differs is a forgery or a fault: it is
   * logged, and orders refuses what does not hold.
   */
  async fromPeer(peer: string, event: EventRecord): Promise<Outcome> {
    const { replication, clock, log } = this.deps;
    if (event.originRegion !== peer) {
      log.warn("event declares another origin than the peer it came from; counted as the peer's", {
        peer,
        declared: event.originRegion,
        eventId: event.id,
        orderId: event.subject,
      });
    }
    let outcome: "applied" | "duplicate";
    try {
      ({ outcome } = await this.applyInOrder({ ...event, originRegion: peer }));
    } catch (err) {
      if (!isEventRefusal(err)) throw err;
      await this.deadLetter(peer, event, err.problem?.detail ?? err.message);
      replication.events.inc({ peer, outcome: "refused" });
      return "ignored";
    }
    replication.events.inc({ peer, outcome });
    if (outcome === "applied") {
      replication.lag.observe({ peer }, Math.max(0, (clock().getTime() - Date.parse(event.occurredAt)) / 1000));
      replication.lastApplied.set({ peer }, clock().getTime() / 1000);
    }
    return outcome;
  }

  /**
   * Hands a replicated event to this region's orders service. Events of one order may overtake
   * each other on the link (deliveries run concurrently); a version that arrives before the one it
   * follows waits here a little, because the earlier one is usually being applied at that very
   * moment. Only then is it handed back to Dapr, whose retry comes half a second later.
   */
  private async applyInOrder(event: EventRecord): Promise<{ outcome: "applied" | "duplicate" }> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.deps.sidecar.invoke<{ outcome: "applied" | "duplicate" }>(apps.orders, "replica/events", HttpMethod.POST, event);
      } catch (err) {
        const mustWait = err instanceof InvocationError && err.status === 409 && err.problem?.extensions["heldVersion"] !== undefined;
        if (!mustWait || attempt >= inOrderAttempts) throw err;
        await new Promise((r) => setTimeout(r, inOrderWaitMs));
      }
    }
  }

  /**
   * An event orders refused for good (422 event-refused: not an order event, not from the
   * order's home region, ...). Why not the link's usual "retry for as long as it takes": that is
   * for an event that cannot be applied yet (an earlier version missing, orders or its store
   * down), while the same bytes would be refused on every retry, and a poison event redelivered
   * forever is load and noise for good. Why not dropped: it is a peer sending what it must not, so
   * an operator should see it. So it goes to the replicator's dead-letter topic as a contract
   * fault (order-view keeps it and leaves it for an operator; it is never redriven by itself) and
   * the delivery succeeds. Other 4xx answers (a 400 from an orders that does not know a newer
   * contract version yet, a 403 or 404 of a policy or route being rolled out) keep being retried:
   * they clear once the region is consistent again.
   */
  private async deadLetter(peer: string, event: EventRecord, reason: string): Promise<void> {
    const route = `/replicate/${peer}`;
    const fault: Fault = {
      faultId: randomUUID(),
      kind: "contract",
      reason,
      subscriber: apps.replicator,
      route,
      topic: topics.orders,
      attempts: 1,
      failedAt: this.deps.clock().toISOString(),
      region: this.deps.region,
      // As the peer sent it (with the origin it declared); the delivery's own CloudEvent is not at hand here.
      cloudEvent: { specversion: "1.0", id: event.id, type: event.type, source: peerLinkName(peer), subject: event.subject, data: event },
    };
    await this.deps.sidecar.publish(components.pubsub, deadLetterTopicOf(apps.replicator), fault);
    this.deps.log.warn("replica refused, dead-lettered", { faultId: fault.faultId, peer, eventId: event.id, reason });
  }

  /** A peer's acknowledgement: how many of this region's order events it holds. */
  async onAck(event: EventRecord): Promise<Outcome> {
    const ack = event.data as ReplicationAcknowledged;
    const applied = ack.applied[this.deps.region];
    if (applied === undefined || !this.deps.peers.includes(ack.region)) return "ignored";
    this.acknowledged.set(ack.region, Math.max(applied, this.acknowledged.get(ack.region) ?? 0));
    await this.refreshBacklog();
    return "applied";
  }

  /**
   * Backlog, measured where the events originate: each region counts, in its own lake, the order
   * events that originated here (produced) and, from its peers' acknowledgements, how many of
   * them each peer holds (applied). The difference is what that peer still has to apply; it
   * grows while the peer is down or cut off, and falls to 0 when it has caught up.
   */
  async refreshBacklog(): Promise<void> {
    const produced = await this.deps.lake.count(topics.orders, this.deps.region);
    for (const peer of this.deps.peers) {
      this.deps.replication.backlog.set({ peer }, Math.max(0, produced - (this.acknowledged.get(peer) ?? 0)));
    }
  }

  /**
   * Tells each peer, through its own broker, how many of its order events this region holds.
   * Resolves once each acknowledgement is counted and handed to the sidecar, not when its peer's
   * broker took it: a publish to a cut link can take seconds to fail (RabbitMQ retries it while
   * holding the component's lock), and nothing should wait for that. A peer whose previous
   * acknowledgement is still on its way is skipped this time: acknowledgements carry absolute
   * counts, so the next one loses nothing, and a cut link never collects a queue of publishes.
   */
  async acknowledge(): Promise<void> {
    const { region, peers, lake, clock } = this.deps;
    for (const peer of peers) {
      if (this.ackInFlight.has(peer)) continue;
      // Taken before counting, so two acknowledge() calls that overlap never both send.
      this.ackInFlight.add(peer);
      let applied: number;
      try {
        applied = await lake.count(topics.orders, peer);
      } catch (err) {
        this.ackInFlight.delete(peer);
        throw err;
      }
      const ctx = { region, now: clock(), newId: randomUUID, correlationId: `ack-${region}`, causationId: null };
      const ack = createEvent(
        replicationEventTypes.acknowledged,
        region,
        ++this.ackSequence,
        { region, applied: { [peer]: applied } },
        ctx,
      );
      this.send(peer, ack);
    }
  }

  /** Publishes one acknowledgement in the background; the peer's slot frees when it settles or is given up. */
  private send(peer: string, ack: EventRecord): void {
    const { sidecar, log } = this.deps;
    const timeoutMs = this.deps.ackPublishTimeoutMs ?? defaultAckPublishTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const givenUp = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`not published within ${timeoutMs} ms; given up`)), timeoutMs);
      timer.unref();
    });
    const published = (async () => sidecar.publish(peerLinkName(peer), topics.replicationAcks, ack))();
    // A peer that is down or cut off misses acks; the next tick sends the newer count.
    void Promise.race([published, givenUp])
      .catch((err: unknown) => {
        log.debug("acknowledgement not delivered; the next one carries the newer count", { peer, ...errorFields(err) });
      })
      .finally(() => {
        clearTimeout(timer);
        this.ackInFlight.delete(peer);
      });
  }
}

/**
 * Acknowledges every `intervalMs` until stopped; `turn` lets one replica at a time do it (an
 * acknowledgement carries absolute counts, so a turn passing between replicas loses nothing).
 * Every replica refreshes its own backlog gauge on each tick, whoever's turn it is, first and on
 * its own: it reads only this region's lake, so a peer link that is cut or slow (or a turn that
 * fails) never leaves it stale.
 */
export function startAcknowledger(
  replication: Replication,
  intervalMs: number,
  log: Logger,
  turn: (work: () => Promise<void>) => Promise<void>,
): Worker {
  const timer = setInterval(() => {
    void replication.refreshBacklog().catch((err: unknown) => log.warn("refreshing the replication backlog failed", errorFields(err)));
    void turn(() => replication.acknowledge()).catch((err: unknown) => log.warn("acknowledging failed", errorFields(err)));
  }, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
