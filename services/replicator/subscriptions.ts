import { Router } from "express";
import { apps, replicaTopicOf, topics } from "../../platform/topology.js";
import type { Outcome } from "../shared/application/outcome.js";
import { type SubscriberDeps, subscribeTopics, subscriber } from "../shared/dapr/subscriber.js";
import type { EventRecord } from "../shared/events/envelope.js";
import type { Lake } from "./lake.js";
import type { ReplicationMetrics } from "./metrics.js";
import type { Replication } from "./replication.js";

/**
 * What the replicator is delivered: each peer's order events (read from the peer's broker with
 * this region's own durable consumer group, so nothing is missed while either side is down),
 * the peers' acknowledgements, and everything this region's topics carry, for the event lake.
 */
export function replicatorSubscriptions(
  deps: SubscriberDeps & { readonly peers: readonly string[]; readonly lake: Lake; readonly replication: ReplicationMetrics },
  replication: Replication,
): Router {
  const router = Router();
  const common = { ...deps, app: apps.replicator };
  for (const peer of deps.peers) {
    const route = `/replicate/${peer}`;
    // A replica must not skip an event: failures are retried for as long as it takes. The one
    // exception is an event orders refuses for good (422 event-refused), which fromPeer
    // dead-letters as a contract fault itself: retrying the same bytes could never succeed.
    const handle = (event: EventRecord) => replication.fromPeer(peer, event);
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
  subscribeTopics(router, common, {
    ...Object.fromEntries([topics.orders, topics.inventory, topics.payments].map((t) => [t, archive(t)])),
    // Replicas are archived under the topic they belong to: the lake counts a peer's order events there.
    [replicaTopicOf(topics.orders)]: archive(topics.orders),
    [topics.replicationAcks]: (event) => replication.onAck(event),
  });
  return router;
}
