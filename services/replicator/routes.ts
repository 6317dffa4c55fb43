import { Router } from "express";
import { z } from "zod";
import { randomUUID } from "node:crypto";
import { apps, peerLinkName, topics } from "../../platform/topology.js";
import { createEvent } from "../shared/events/contracts.js";
import { type ReplicationAcknowledged, replicationEventTypes } from "../shared/events/replication-events.js";
import { errorFields } from "../shared/log.js";
import type { Sidecar } from "../shared/dapr/sidecar.js";
import { HttpMethod } from "../shared/dapr/sidecar.js";
import { type Outcome, subscribeTopics, subscriber } from "../shared/dapr/subscriber.js";
import type { EventRecord } from "../shared/events/envelope.js";
import type { EventMetrics } from "../shared/events/metrics.js";
import { HttpProblem, badRequest } from "../shared/http/problem.js";
import type { Logger } from "../shared/log.js";
import { type Lake, maxReplayMinutes } from "./lake.js";
import type { ReplicationMetrics } from "./metrics.js";

export interface ReplicatorDeps {
  readonly region: string;
  readonly peers: readonly string[];
  readonly sidecar: Sidecar;
  readonly lake: Lake;
  readonly log: Logger;
  readonly metrics: EventMetrics;
  readonly replication: ReplicationMetrics;
  readonly clock: () => Date;
  /** How often this region tells its peers how far it has applied their changes. */
  readonly ackIntervalMs: number;
}

/** How long a replica that overtook its predecessor waits in-process: up to 10 × 20 ms. */
const inOrderAttempts = 10;
const inOrderWaitMs = 20;

const rangeSchema = z.object({ from: z.iso.datetime({ offset: true }), to: z.iso.datetime({ offset: true }) });

export function replicatorRoutes(deps: ReplicatorDeps): Router {
  const router = Router();
  const common = { app: apps.replicator, region: deps.region, sidecar: deps.sidecar, log: deps.log, metrics: deps.metrics };

  /**
   * Hands a replicated event to this region's orders service. Events of one order may overtake
   * each other on the link (deliveries run concurrently); a version that arrives before the one it
   * follows waits here a little, because the earlier one is usually being applied at that very
   * moment. Only then is it handed back to Dapr, whose retry comes half a second later.
   */
  async function applyInOrder(event: EventRecord): Promise<{ outcome: "applied" | "duplicate" }> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await deps.sidecar.invoke<{ outcome: "applied" | "duplicate" }>(apps.orders, "replica/events", HttpMethod.POST, event);
      } catch (err) {
        const mustWait = err instanceof HttpProblem && err.status === 409 && err.extensions["heldVersion"] !== undefined;
        if (!mustWait || attempt >= inOrderAttempts) throw err;
        await new Promise((r) => setTimeout(r, inOrderWaitMs));
      }
    }
  }

  /**
   * From a peer's broker (read with this region's own durable consumer group, so nothing is
   * missed while either side is down). Origin tags latch: only events that originated in that
   * peer are applied, so replicas the peer holds of other regions' orders never come back.
   */
  for (const peer of deps.peers) {
    const route = `/replicate/${peer}`;
    const handle = async (event: EventRecord): Promise<Outcome> => {
      if (event.originRegion !== peer) return "ignored";
      const { outcome } = await applyInOrder(event);
      deps.replication.events.inc({ peer, outcome });
      if (outcome === "applied") {
        deps.replication.lag.observe({ peer }, Math.max(0, (deps.clock().getTime() - Date.parse(event.occurredAt)) / 1000));
        deps.replication.lastApplied.set({ peer }, deps.clock().getTime() / 1000);
      }
      return outcome;
    };
    // A replica must not skip an event: failures are retried for as long as it takes.
    router.post(route, subscriber({ ...common, topic: topics.orders, route, handle, retryForever: true }));
  }

  /** The event lake: everything the region's topics carry, archived once. */
  const archive =
    (topic: string) =>
    async (event: EventRecord): Promise<Outcome> => {
      const added = await deps.lake.archive(event, topic);
      if (added) deps.replication.archived.inc({ topic, origin_region: event.originRegion });
      return added ? "applied" : "duplicate";
    };
  subscribeTopics(router, common, Object.fromEntries([topics.orders, topics.inventory, topics.payments].map((t) => [t, archive(t)])));

  /**
   * Backlog, measured where the events originate: each region counts, in its own lake, the order
   * events that originated here (produced) and, from its peers' acknowledgements, how many of
   * them each peer holds (applied). The difference is what that peer still has to apply; it
   * grows while the peer is down or cut off, and falls to 0 when it has caught up.
   */
  const acknowledged = new Map<string, number>();
  async function refreshBacklog(): Promise<void> {
    const produced = await deps.lake.count(topics.orders, deps.region);
    for (const peer of deps.peers) deps.replication.backlog.set({ peer }, Math.max(0, produced - (acknowledged.get(peer) ?? 0)));
  }
  subscribeTopics(router, common, {
    [topics.replicationAcks]: async (event) => {
      const ack = event.data as ReplicationAcknowledged;
      const applied = ack.applied[deps.region];
      if (applied === undefined || !deps.peers.includes(ack.region)) return "ignored";
      acknowledged.set(ack.region, Math.max(applied, acknowledged.get(ack.region) ?? 0));
      await refreshBacklog();
      return "applied";
    },
  });

  /** Tells each peer, through its own broker, how many of its order events this region holds. */
  let ackSequence = 0;
  async function acknowledge(): Promise<void> {
    for (const peer of deps.peers) {
      const applied = await deps.lake.count(topics.orders, peer);
      const ack = createEvent(
        replicationEventTypes.acknowledged,
        deps.region,
        ++ackSequence,
        { region: deps.region, applied: { [peer]: applied } },
        {
          region: deps.region,
          now: deps.clock(),
          newId: randomUUID,
          correlationId: `ack-${deps.region}`,
          causationId: null,
        },
      );
      // A peer that is down or cut off misses acks; the next tick sends the newer count.
      await deps.sidecar.publish(peerLinkName(peer), topics.replicationAcks, ack).catch(() => undefined);
    }
    await refreshBacklog();
  }
  const timer = setInterval(
    () => void acknowledge().catch((err: unknown) => deps.log.warn("acknowledging failed", errorFields(err))),
    deps.ackIntervalMs,
  );
  timer.unref();

  /** Replay one subject (an order id, or a SKU) from the lake. */
  router.get("/lake/subjects/:subject", async (req, res) => {
    const subject = String(req.params["subject"]);
    res.json({ region: deps.region, subject, events: await deps.lake.bySubject(subject) });
  });

  /** Replay a time range [from, to) from the lake, at most a day per request. */
  router.get("/lake/events", async (req, res) => {
    const range = rangeSchema.safeParse(req.query);
    if (!range.success) throw badRequest("from and to must be ISO 8601 date-times");
    const from = new Date(range.data.from);
    const to = new Date(range.data.to);
    if (to <= from) throw badRequest("to must be after from");
    if (to.getTime() - from.getTime() > maxReplayMinutes * 60_000)
      throw badRequest(`a replay may span at most ${maxReplayMinutes} minutes`);
    res.json({ region: deps.region, from: range.data.from, to: range.data.to, events: await deps.lake.byTime(from, to) });
  });

  return router;
}
