import { Router } from "express";
import { z } from "zod";
import { apps, topics } from "../../platform/topology.js";
import type { Sidecar } from "../shared/dapr/sidecar.js";
import { HttpMethod } from "../shared/dapr/sidecar.js";
import { type Outcome, subscribeTopics, subscriber } from "../shared/dapr/subscriber.js";
import type { EventRecord } from "../shared/events/envelope.js";
import type { EventMetrics } from "../shared/events/metrics.js";
import { badRequest } from "../shared/http/problem.js";
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
}

const rangeSchema = z.object({ from: z.iso.datetime({ offset: true }), to: z.iso.datetime({ offset: true }) });

export function replicatorRoutes(deps: ReplicatorDeps): Router {
  const router = Router();

  /**
   * From a peer's broker (read with this region's own durable consumer group, so nothing is
   * missed while either side is down). Origin tags latch: only events that originated in that
   * peer are applied, so replicas the peer holds of other regions' orders never come back.
   */
  for (const peer of deps.peers) {
    const route = `/replicate/${peer}`;
    const handle = async (event: EventRecord): Promise<Outcome> => {
      if (event.originRegion !== peer) return "ignored";
      const { outcome } = await deps.sidecar.invoke<{ outcome: "applied" | "duplicate" }>(
        apps.orders,
        "replica/events",
        HttpMethod.POST,
        event,
      );
      deps.replication.events.inc({ peer, outcome });
      if (outcome === "applied") {
        deps.replication.lag.observe({ peer }, Math.max(0, (deps.clock().getTime() - Date.parse(event.occurredAt)) / 1000));
        deps.replication.lastApplied.set({ peer }, deps.clock().getTime() / 1000);
      }
      return outcome;
    };
    // A replica must not skip an event: failures are retried for as long as it takes.
    router.post(
      route,
      subscriber({
        app: apps.replicator,
        region: deps.region,
        topic: topics.orders,
        route,
        sidecar: deps.sidecar,
        log: deps.log,
        metrics: deps.metrics,
        handle,
        retryForever: true,
      }),
    );
  }

  /** The event lake: everything the region's topics carry, archived once. */
  const archive =
    (topic: string) =>
    async (event: EventRecord): Promise<Outcome> => {
      const added = await deps.lake.archive(event);
      if (added) deps.replication.archived.inc({ topic, origin_region: event.originRegion });
      return added ? "applied" : "duplicate";
    };
  const common = { app: apps.replicator, region: deps.region, sidecar: deps.sidecar, log: deps.log, metrics: deps.metrics };
  subscribeTopics(router, common, Object.fromEntries([topics.orders, topics.inventory, topics.payments].map((t) => [t, archive(t)])));

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
