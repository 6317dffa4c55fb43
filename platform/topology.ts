/**
 * The system's names in one place: regions, apps, Dapr component names, topics and
 * subscriptions. Services, the local runner, the Kubernetes manifests, dashboards and tests
 * all import these, so a name is never spelled twice.
 */

/** Regions when REGIONS is unset. Nothing may assume exactly these two. */
export const defaultRegions = ["east", "west"] as const;

/** Public gateway port of the n-th region on a local machine (east 8081, west 8082, ...). */
export const defaultGatewayPortBase = 8081;

/** Dapr app-ids. The same in every region: name resolution is per region (per cluster). */
export const apps = {
  gateway: "gateway",
  orders: "orders",
  inventory: "inventory",
  payments: "payments",
  orderView: "order-view",
  /** Moves order events between regions and archives every event (the event lake). */
  replicator: "replicator",
} as const;
export type AppId = (typeof apps)[keyof typeof apps];
export const allApps: readonly AppId[] = Object.values(apps);

/** Dapr component names. */
export const components = {
  pubsub: "pubsub",
  /** Carries the outbox's internal topics; a separate component so its concurrency can differ. */
  outboxPubsub: "outbox-pubsub",
  ordersStore: "orders-store",
  inventoryStore: "inventory-store",
  paymentsStore: "payments-store",
  viewStore: "view-store",
  /** Which orders exist: the event store itself cannot list its keys. */
  ordersCatalog: "orders-catalog",
  /** The event lake: every event seen in the region, by subject and by minute. */
  lakeStore: "lake-store",
} as const;

/** The pub/sub component through which a region reads a peer region's broker. */
export function peerLinkName(peer: string): string {
  return `peer-${peer}`;
}

/** The consumer group a region's replicator uses on a peer's broker: durable, and its own. */
export function peerConsumerGroup(region: string): string {
  return `replicator-${region}`;
}

/**
 * Topics. Each service publishes its change events to one topic named after it. Only `orders` is
 * replicated: stock and payments are regional, and an order's home region is its single writer.
 */
export const topics = {
  orders: "orders",
  inventory: "inventory",
  payments: "payments",
  /** Fault events: deliveries that could not be processed, with the reason. */
  deadLetter: "deadletter",
  /**
   * How far a region has applied each peer's changes, sent by the receiving replicator through
   * the peer link to the peer's own broker, so the origin region can measure its backlog.
   */
  replicationAcks: "replication-acks",
} as const;

/**
 * Where a store's outbox publishes: an internal topic read only by the store's writer, which
 * forwards to the public topic what it has not already published on commit (see CommitPublisher).
 * So Dapr's outbox stays the guarantee, while subscribers of the public topic get each event once.
 */
export function relayTopicOf(topic: string): string {
  return `${topic}-relay`;
}

/** Topics whose events cross regions: only order changes (stock and payments are regional). */
export const replicatedTopics: readonly string[] = [topics.orders];

/**
 * How often a failing delivery is retried before it is dead-lettered. Rendered into the Dapr
 * Resiliency policy and read by the subscribers, which publish a fault with the reason on the
 * last attempt. Ten seconds of retries ride out an app restart; daprd's app health check pauses
 * delivery while the app is down for longer.
 */
export const deliveryRetry = { maxRetries: 20, intervalMs: 500 } as const;

/**
 * Redis Streams tuning per pub/sub component, for the local runner and Kubernetes alike.
 * processingTimeout must exceed the slowest handling of one message, delivery retries included
 * (see deliveryRetry), or slow messages are redelivered while still in hand; it is also how long
 * a message in flight when its consumer died waits before another consumer gets it. Dapr's outbox
 * relay waits about a second per message (dapr pkg/runtime/pubsub/outbox.go), so its throughput
 * is its concurrency per second: it gets many workers.
 */
export const pubsubTuning = {
  events: { processingTimeout: "15s", redeliverInterval: "2s", concurrency: "32", queueDepth: "100" },
  outbox: { processingTimeout: "20s", redeliverInterval: "2s", concurrency: "500", queueDepth: "1000" },
} as const;

export interface SubscriptionSpec {
  /** Name of the Dapr Subscription resource. */
  readonly name: string;
  readonly pubsub: string;
  readonly topic: string;
  /** App route that receives the events. */
  readonly route: string;
  readonly app: AppId;
  /** Where Dapr sends what cannot be delivered; none for the dead-letter subscription itself. */
  readonly deadLetterTopic?: string;
  /** Deliver events in batches (one HTTP request each): see `bulkDelivery`. */
  readonly bulk?: boolean;
}

/**
 * Bulk subscribe: daprd gathers up to `maxMessagesCount` events (or what arrived within
 * `maxAwaitDurationMs`) into one request, and the app answers a status per event. One HTTP
 * exchange per batch instead of per event is most of what an event costs a Node service and its
 * sidecar. Dapr sends a subscription's next batch only when the last is answered, and retries a
 * failed entry inside that cycle, so it suits consumers whose retries are rare (the saga, the
 * read model, the lake), not the replication link, where a replica waits for an earlier version.
 */
export const bulkDelivery = { maxMessagesCount: 32, maxAwaitDurationMs: 5 } as const;

function subscription(app: AppId, topic: string): SubscriptionSpec {
  return {
    name: `${app}-${topic}`,
    pubsub: components.pubsub,
    topic,
    route: `/events/${topic}`,
    app,
    ...(topic === topics.deadLetter ? {} : { deadLetterTopic: topics.deadLetter, bulk: true }),
  };
}

/**
 * Declarative subscriptions (the saga's choreography); rendered for the local runner and for
 * Kubernetes alike. Each delivers every event of the topic to one route; the app picks the
 * types it cares about (a routing rule with no match would dead-letter the rest).
 */
export const subscriptions: readonly SubscriptionSpec[] = [
  subscription(apps.inventory, topics.orders),
  subscription(apps.inventory, topics.payments),
  subscription(apps.payments, topics.inventory),
  subscription(apps.payments, topics.orders),
  subscription(apps.orders, topics.inventory),
  subscription(apps.orders, topics.payments),
  subscription(apps.orderView, topics.orders),
  subscription(apps.orderView, topics.deadLetter),
  // The event lake archives everything the region sees, its own and replicated events alike.
  subscription(apps.replicator, topics.orders),
  subscription(apps.replicator, topics.inventory),
  subscription(apps.replicator, topics.payments),
  subscription(apps.replicator, topics.replicationAcks),
  // Each writer reads what its store's outbox relays (see relayTopicOf).
  subscription(apps.orders, relayTopicOf(topics.orders)),
  subscription(apps.inventory, relayTopicOf(topics.inventory)),
  subscription(apps.payments, relayTopicOf(topics.payments)),
];

/** The `spec` of a Dapr Subscription resource (dapr.io/v2alpha1) for a subscription. */
export function subscriptionResourceSpec(sub: SubscriptionSpec) {
  return {
    pubsubname: sub.pubsub,
    topic: sub.topic,
    routes: { default: sub.route },
    ...(sub.deadLetterTopic ? { deadLetterTopic: sub.deadLetterTopic } : {}),
    ...(sub.bulk ? { bulkSubscribe: { enabled: true, ...bulkDelivery } } : {}),
  };
}

/** What a region's replicator subscribes to on each peer's broker; never dead-lettered, see replicator. */
export function replicationSubscription(peer: string): SubscriptionSpec {
  return {
    name: `replicator-from-${peer}`,
    pubsub: peerLinkName(peer),
    topic: topics.orders,
    route: `/replicate/${peer}`,
    app: apps.replicator,
  };
}

export interface StoreSpec {
  readonly name: string;
  /** The one app that writes this store: each service is the single writer of its data. */
  readonly owner: AppId;
  /**
   * When set, the store's transactions publish to this topic through Dapr's outbox (by way of
   * its relay topic, `relayTopicOf`).
   */
  readonly outboxTopic?: string;
}

export const stores: readonly StoreSpec[] = [
  { name: components.ordersStore, owner: apps.orders, outboxTopic: topics.orders },
  { name: components.inventoryStore, owner: apps.inventory, outboxTopic: topics.inventory },
  { name: components.paymentsStore, owner: apps.payments, outboxTopic: topics.payments },
  { name: components.viewStore, owner: apps.orderView },
  { name: components.ordersCatalog, owner: apps.orders },
  { name: components.lakeStore, owner: apps.replicator },
];

/** The topic a store's outbox publishes to; writers publish there on commit too (see CommitPublisher). */
export function outboxTopicOf(store: string): string {
  const topic = stores.find((s) => s.name === store)?.outboxTopic;
  if (!topic) throw new Error(`state store ${store} has no outbox topic`);
  return topic;
}

/** Who may call whom through Dapr service invocation (access-control policies in Kubernetes). */
export const invocations: readonly { readonly from: AppId; readonly to: AppId }[] = [
  { from: apps.gateway, to: apps.orders },
  { from: apps.gateway, to: apps.orderView },
  { from: apps.gateway, to: apps.inventory },
  { from: apps.orderView, to: apps.orders },
  // Redrive of dead letters hands the event back to the subscriber that failed it.
  { from: apps.orderView, to: apps.inventory },
  { from: apps.orderView, to: apps.payments },
  // Replicated events become replicas through the region's single writer of orders.
  { from: apps.replicator, to: apps.orders },
  { from: apps.gateway, to: apps.replicator },
];

/** Apps that publish to a topic without the outbox (fault events to the dead-letter topic). */
const subscribers = [...new Set(subscriptions.map((s) => s.app))];

/** Which apps may use which component (Dapr component scopes). */
export const componentScopes: Readonly<Record<string, readonly AppId[]>> = {
  [components.pubsub]: subscribers,
  [components.outboxPubsub]: stores.flatMap((s) => (s.outboxTopic ? [s.owner] : [])),
  ...Object.fromEntries(stores.map((s) => [s.name, [s.owner]])),
};

/**
 * Path prefixes of the gateway's public API: the only paths routed from outside the cluster.
 * Everything else it serves (/admin/*, /metrics, /healthz, /readyz) stays inside.
 */
export const gatewayPublicPaths: readonly string[] = ["/orders", "/inventory"];
