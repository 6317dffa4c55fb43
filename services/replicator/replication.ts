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
}

/** How long a replica that overtook its predecessor waits in-process: up to 10 × 20 ms. */
const inOrderAttempts = 10;
const inOrderWaitMs = 20;

export class Replication {
  private readonly acknowledged = new Map<string, number>();
  private ackSequence = 0;

  constructor(private readonly deps: ReplicationDeps) {}

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

  /** Tells each peer, through its own broker, how many of its order events this region holds. */
  async acknowledge(): Promise<void> {
    const { region, peers, lake, sidecar, clock, log } = this.deps;
    for (const peer of peers) {
      const applied = await lake.count(topics.orders, peer);
      const ctx = { region, now: clock(), newId: randomUUID, correlationId: `ack-${region}`, causationId: null };
      const ack = createEvent(
        replicationEventTypes.acknowledged,
        region,
        ++this.ackSequence,
        { region, applied: { [peer]: applied } },
        ctx,
      );
      // A peer that is down or cut off misses acks; the next tick sends the newer count.
      await sidecar.publish(peerLinkName(peer), topics.replicationAcks, ack).catch((err: unknown) => {
        log.debug("acknowledgement not delivered; the next one carries the newer count", { peer, ...errorFields(err) });
      });
    }
  }
}

/**
 * Acknowledges every `intervalMs` until stopped; `turn` lets one replica at a time do it (an
 * acknowledgement carries absolute counts, so a turn passing between replicas loses nothing).
 * Every replica refreshes its own backlog gauge on each tick, whoever's turn it is.
 */
export function startAcknowledger(
  replication: Replication,
  intervalMs: number,
  log: Logger,
  turn: (work: () => Promise<void>) => Promise<void>,
): Worker {
  const timer = setInterval(
    () =>
      void turn(() => replication.acknowledge())
        .then(() => replication.refreshBacklog())
        .catch((err: unknown) => log.warn("acknowledging failed", errorFields(err))),
    intervalMs,
  );
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
