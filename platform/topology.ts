/**
 * The system's names in one place: regions, apps, Dapr component names, topics and
 * subscriptions. Services, the local runner, the Kubernetes manifests, dashboards and tests
 * all import these, so a name is never spelled twice.
 */

/** Regions when REGIONS is unset. Nothing may assume exactly these two. */
export const defaultRegions = ["east", "west"] as const;

/** Public gateway port of the n-th region on a local machine (east 8081, west 8082, ...). */
export const defaultGatewayPortBase = 8081;

/** The gateway's operator port of the n-th region on a local machine (east 9081, west 9082, ...): loopback only. */
export const defaultAdminPortBase = 9081;

/** Dapr app-ids. The same in every region: name resolution is per region (per cluster). */
export const apps = {
  gateway: "gateway",
  orders: "orders",
  inventory: "inventory",
  payments: "payments",
  orderView: "order-view",
  /** Moves order events between regions and archives every event (the event lake). */
  replicator: "replicator",
  /**
   * The operator surface of a region (restore, redrive, rebuild, lake reads, stock, prices): an
   * app of its own, with its own Dapr identity, so code running in the public gateway cannot
   * reach any of it.
   */
  operator: "operator",
} as const;
export type AppId = (typeof apps)[keyof typeof apps];
export const allApps: readonly AppId[] = Object.values(apps);

/**
 * Dapr Workflow (issue #17). Apps that run workflows: their sidecars join the region's placement
 * (actor placement tables) and scheduler (durable timers and reminders), and keep workflow state
 * in the region's actor state store. Kept apart from `apps` because a region runs them only when
 * its saga is orchestrated (`saga` in region config; the local runner's `workflows` option).
 */
export const workflowApps = {
  /** The orchestrated saga (and the runtime check of phase 1). */
  orderSaga: "order-saga",
} as const;
export type WorkflowAppId = (typeof workflowApps)[keyof typeof workflowApps];
export const allWorkflowApps: readonly WorkflowAppId[] = Object.values(workflowApps);

export function isWorkflowApp(app: string): app is WorkflowAppId {
  return (allWorkflowApps as readonly string[]).includes(app);
}

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
  /**
   * Dapr's distributed lock (lock.redis): leases that keep replicas of a writer from deciding
   * about the same keys at once, and leader turns for background work.
   */
  lockStore: "lock",
} as const;

/** The pub/sub component through which a region reads a peer region's broker. */
export function peerLinkName(peer: string): string {
  return `peer-${peer}`;
}

/**
 * How long a sidecar waits for a peer's broker when it loads the peer link. Dapr's default (5 s)
 * is short for a link across regions, and a link that failed to load stays unloaded until its
 * sidecar restarts: one slow start-up cut replication in one direction for good.
 */
export const peerLinkInitTimeout = "30s";

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
  /**
   * Fault events: deliveries that could not be processed, with the reason. One topic per
   * subscriber app (see deadLetterTopicOf), so a fault always names who failed it, also when
   * Dapr dead-letters the raw event itself because the app was unreachable.
   */
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
 * Where a region publishes the events of a replicated topic that another region decided (the
 * replicas its writer stores): a topic of their own, read only by those who keep every region's
 * orders (the read model and the lake). On the topic itself they reached every subscriber:
 * inventory and payments were delivered each replica only to ignore it (side effects are the home
 * region's), and the peer regions' replicators got their own events back over the link. Each
 * replica costs two deliveries instead of five.
 */
export function replicaTopicOf(topic: string): string {
  return `${topic}-replicas`;
}

/** The replica topic of `topic` if it is replicated; undefined for a regional topic. */
export function replicaTopicFor(topic: string): string | undefined {
  return replicatedTopics.includes(topic) ? replicaTopicOf(topic) : undefined;
}

/**
 * How a failing delivery is retried inside the sidecar before it is dead-lettered: Dapr's
 * exponential policy (first wait 500 ms, ×1.5 each time with ±50 % jitter, at most
 * `maxIntervalMs`), about 30 s in all (16–48 s with the jitter). That rides out an app or
 * sidecar restart, a pod being rescheduled or a rolling update. Longer outages are the dead-letter
 * redriver's (see deadLetterRedrive): nothing waits on a human before that gives up.
 *
 * Rendered into the Dapr Resiliency policy and read by the subscribers, which publish a fault
 * with the reason on the last attempt. The whole budget must stay below the broker's
 * processingTimeout (pubsubTuning), or a message still being retried is handed out again.
 */
export const deliveryRetry = { maxRetries: 9, maxIntervalMs: 8000, worstCaseMs: 48_000 } as const;

/**
 * Dead letters whose handler failed (not contract violations) are handed back to their
 * subscriber automatically, with exponential backoff (2 s, 4 s, … at most a minute apart) for
 * half an hour; only then do they wait for an operator (and the open-dead-letters alert fires
 * long before). So an order is never stranded by an outage of minutes.
 */
export const deadLetterRedrive = { firstDelayMs: 2000, maxDelayMs: 60_000, giveUpAfterMs: 30 * 60_000, scanEveryMs: 2000 } as const;

/**
 * Redis Streams tuning per pub/sub component, for the local runner and Kubernetes alike.
 * processingTimeout must exceed the slowest handling of one message, delivery retries included
 * (see deliveryRetry), or slow messages are redelivered while still in hand; it is also how long
 * a message in flight when its consumer died waits before another consumer gets it. Dapr's outbox
 * relay waits about a second per message (dapr pkg/runtime/pubsub/outbox.go), so its throughput
 * is its concurrency per second: it gets many workers.
 */
export const pubsubTuning = {
  events: { processingTimeout: "60s", redeliverInterval: "2s", concurrency: "32", queueDepth: "100" },
  outbox: { processingTimeout: "20s", redeliverInterval: "2s", concurrency: "500", queueDepth: "1000" },
} as const;

export interface SubscriptionSpec {
  /** Name of the Dapr Subscription resource. */
  readonly name: string;
  readonly pubsub: string;
  readonly topic: string;
  /** App route that receives the events. */
  readonly route: string;
  readonly app: SubscriberAppId;
  /** Where Dapr sends what cannot be delivered; none for the dead-letter subscription itself. */
  readonly deadLetterTopic?: string;
  /** Each event as it arrives, or gathered in batches: see `DeliveryPace`. None: as it arrives. */
  readonly pace?: DeliveryPace;
}

/**
 * How a subscription's events reach its app:
 * - `prompt`: each event in a request of its own as soon as the broker hands it over: the saga's
 *   hops and the read model, which someone waits on;
 * - `gathered`: in bulk (`gatheredDelivery`): what nobody waits on. The outbox relay is a second
 *   behind by design (Dapr's outbox sleeps a second per message) and only forwards what
 *   publish-on-commit missed; the lake archives in group commits; acknowledgements only move a
 *   backlog gauge. Batches fill (one exchange for many events, at most the broker's `concurrency`
 *   per batch).
 *
 * Why the prompt ones are not bulk too: Dapr 1.16's bulk subscriber flushes on a ticker of
 * `maxAwaitDurationMs` (pkg/runtime/pubsub/default_bulksub.go), not on a timer from the first
 * event, so the pace is also how often an idle subscription wakes its sidecar. At 5 ms, each one
 * cost its sidecar about 3% of a core doing nothing (eight of them, a quarter of this 2-core
 * machine), while at the saga's rates nearly every batch held one event anyway (README,
 * "Benchmark": what was cut).
 */
export type DeliveryPace = "prompt" | "gathered";

/**
 * A gathered subscription's bulk settings: up to 32 events per request, flushed every half second
 * (twice a second when idle, instead of two hundred times).
 */
export const gatheredDelivery = { maxMessagesCount: 32, maxAwaitDurationMs: 500 } as const;

/** Apps that subscribe: the services, and the workflow apps where a region runs them. */
export type SubscriberAppId = AppId | WorkflowAppId;

/** Where Dapr and the app's own subscriber put what `app` could not process. */
export function deadLetterTopicOf(app: SubscriberAppId): string {
  return `${topics.deadLetter}-${app}`;
}

/** The app whose dead letters a topic holds, if it is a dead-letter topic. */
export function subscriberOfDeadLetterTopic(topic: string): SubscriberAppId | undefined {
  return [...allApps, ...allWorkflowApps].find((app) => deadLetterTopicOf(app) === topic);
}

function subscription(app: SubscriberAppId, topic: string, pace: DeliveryPace = "prompt"): SubscriptionSpec {
  const isDeadLetter = subscriberOfDeadLetterTopic(topic) !== undefined;
  return {
    name: `${app}-${topic}`,
    pubsub: components.pubsub,
    topic,
    route: `/events/${topic}`,
    app,
    ...(isDeadLetter ? {} : { deadLetterTopic: deadLetterTopicOf(app), pace }),
  };
}

/**
 * Declarative subscriptions (the saga's choreography); rendered for the local runner and for
 * Kubernetes alike. Each delivers every event of the topic to one route; the app picks the
 * types it cares about (a routing rule with no match would dead-letter the rest).
 */
const eventSubscriptions: readonly SubscriptionSpec[] = [
  subscription(apps.inventory, topics.orders),
  subscription(apps.inventory, topics.payments),
  subscription(apps.payments, topics.inventory),
  subscription(apps.payments, topics.orders),
  subscription(apps.orders, topics.inventory),
  subscription(apps.orders, topics.payments),
  subscription(apps.orderView, topics.orders),
  subscription(apps.orderView, replicaTopicOf(topics.orders)),
  // The event lake archives everything the region sees, its own and replicated events alike.
  subscription(apps.replicator, topics.orders, "gathered"),
  subscription(apps.replicator, replicaTopicOf(topics.orders), "gathered"),
  subscription(apps.replicator, topics.inventory, "gathered"),
  subscription(apps.replicator, topics.payments, "gathered"),
  subscription(apps.replicator, topics.replicationAcks, "gathered"),
  // Each writer reads what its store's outbox relays (see relayTopicOf).
  subscription(apps.orders, relayTopicOf(topics.orders), "gathered"),
  subscription(apps.inventory, relayTopicOf(topics.inventory), "gathered"),
  subscription(apps.payments, relayTopicOf(topics.payments), "gathered"),
  // The orchestrated saga starts from the committed order.placed (and hears order.cancelled), not
  // from a call on the POST /orders path: a burst of orders waits in the broker, not in the
  // clients' requests. Only a region that runs the workflow app has a sidecar that loads this.
  subscription(workflowApps.orderSaga, topics.orders),
];

/** Apps whose deliveries can be dead-lettered: each has its own dead-letter topic. */
export const deadLetteringApps: readonly SubscriberAppId[] = [...new Set(eventSubscriptions.map((s) => s.app))];

export const subscriptions: readonly SubscriptionSpec[] = [
  ...eventSubscriptions,
  // order-view keeps every dead letter of the region, and redrives them.
  ...deadLetteringApps.map((app) => subscription(apps.orderView, deadLetterTopicOf(app))),
];

/** The subscriptions a region renders: the workflow apps' (and those of their dead letters) only where it runs them. */
export function regionSubscriptions(workflows: boolean): readonly SubscriptionSpec[] {
  const ofWorkflows = (s: SubscriptionSpec): boolean => isWorkflowApp(s.app) || isWorkflowApp(subscriberOfDeadLetterTopic(s.topic) ?? "");
  return workflows ? subscriptions : subscriptions.filter((s) => !ofWorkflows(s));
}

/** The `spec` of a Dapr Subscription resource (dapr.io/v2alpha1) for a subscription. */
export function subscriptionResourceSpec(sub: SubscriptionSpec) {
  return {
    pubsubname: sub.pubsub,
    topic: sub.topic,
    routes: { default: sub.route },
    ...(sub.deadLetterTopic ? { deadLetterTopic: sub.deadLetterTopic } : {}),
    ...(sub.pace === "gathered" ? { bulkSubscribe: { enabled: true, ...gatheredDelivery } } : {}),
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

/**
 * Every topic a region's broker carries: for brokers whose topics must exist before use
 * (JetStream streams). The outbox's internal topic is named by daprd from the namespace (empty
 * when self-hosted), the writer's app-id and the topic it relays to (dapr pkg/runtime/pubsub/outbox.go).
 */
export function brokerTopics(namespace: string): string[] {
  const outboxInternal = stores.flatMap((s) => (s.outboxTopic ? [`${namespace}${s.owner}${relayTopicOf(s.outboxTopic)}outbox`] : []));
  return [
    ...new Set([...Object.values(topics).filter((t) => t !== topics.deadLetter), ...subscriptions.map((s) => s.topic), ...outboxInternal]),
  ];
}

/** The region's actor state store (`actorStateStore: "true"`): workflow state, scoped to the workflow apps. */
export const workflowStateStore = "workflow-store";

/**
 * Who may call whom through Dapr service invocation, and which routes (first path segments) of
 * the callee: rendered into the callee's access-control policy, locally and in Kubernetes alike.
 * Event delivery routes (`events`, `replica`) are listed only where a caller hands events on;
 * no other caller may forge a delivery.
 */
export const invocations: readonly {
  readonly from: AppId | WorkflowAppId;
  readonly to: AppId | WorkflowAppId;
  readonly routes: readonly string[];
  /** The HTTP verbs allowed on those routes; every verb when absent. */
  readonly verbs?: readonly ("GET" | "POST" | "PUT")[];
}[] = [
  // readyz: the gateway is ready only while it can reach the apps every order needs.
  { from: apps.gateway, to: apps.orders, routes: ["orders", "readyz"] },
  // The public reads of prices and stock: GET only, so the gateway can set neither.
  { from: apps.gateway, to: apps.orders, routes: ["prices"], verbs: ["GET"] },
  { from: apps.gateway, to: apps.orderView, routes: ["orders", "readyz"] },
  { from: apps.gateway, to: apps.inventory, routes: ["inventory"], verbs: ["GET"] },
  // The operator app: everything an operator does, and nothing else reaches it.
  { from: apps.operator, to: apps.orders, routes: ["orders", "prices", "digest", "catalog", "restore"] },
  { from: apps.operator, to: apps.orderView, routes: ["orders", "dead-letters", "rebuild"] },
  { from: apps.operator, to: apps.inventory, routes: ["inventory"] },
  { from: apps.operator, to: apps.replicator, routes: ["lake"] },
  { from: apps.orderView, to: apps.orders, routes: ["orders", "catalog", "streams", "events"] },
  // Redrive of dead letters hands the event back to the subscriber that failed it.
  { from: apps.orderView, to: apps.inventory, routes: ["events"] },
  { from: apps.orderView, to: apps.payments, routes: ["events"] },
  // lake: before a redrive, the event lake must vouch for the event (services/order-view/redrive-policy.ts).
  { from: apps.orderView, to: apps.replicator, routes: ["events", "lake"] },
  // Its own dead letters too, through its sidecar like any redrive (the same path, the same policy).
  { from: apps.orderView, to: apps.orderView, routes: ["events"] },
  // Replicated events become replicas through the region's single writer of orders.
  { from: apps.replicator, to: apps.orders, routes: ["replica"] },
  // The orchestrated saga (sagaStyles) starts from order events (its subscription); its activities
  // call each service's commands. Only the orchestrator may post to `commands`.
  { from: apps.orderView, to: workflowApps.orderSaga, routes: ["events"] },
  { from: workflowApps.orderSaga, to: apps.inventory, routes: ["commands"] },
  { from: workflowApps.orderSaga, to: apps.payments, routes: ["commands"] },
  { from: workflowApps.orderSaga, to: apps.orders, routes: ["commands"] },
];

/** Services that publish to a topic without the outbox (fault events to the dead-letter topic). */
const subscribers = allApps.filter((app) => subscriptions.some((s) => s.app === app));

/** Which services may use which component (Dapr component scopes); see regionComponentScopes. */
export const componentScopes: Readonly<Record<string, readonly AppId[]>> = {
  [components.pubsub]: subscribers,
  // Every app with writers or background turns (see services/shared/application/lease.ts).
  [components.lockStore]: [apps.orders, apps.inventory, apps.payments, apps.orderView, apps.replicator],
  [components.outboxPubsub]: stores.flatMap((s) => (s.outboxTopic ? [s.owner] : [])),
  ...Object.fromEntries(stores.map((s) => [s.name, [s.owner]])),
};

/**
 * The components the workflow apps use, where a region runs them: their own actor state store
 * (only such a region has it), and the pub/sub for their subscription to order events and their
 * faults to its dead-letter topic.
 */
export const workflowComponentScopes: Readonly<Record<string, readonly WorkflowAppId[]>> = {
  [workflowStateStore]: allWorkflowApps,
  [components.pubsub]: allWorkflowApps,
};

/** Each component's scopes in a region: the services', plus the workflow apps' where it runs them. */
export function regionComponentScopes(workflows: boolean): Readonly<Record<string, readonly SubscriberAppId[]>> {
  if (!workflows) return componentScopes;
  const merged: Record<string, readonly SubscriberAppId[]> = { ...componentScopes };
  for (const [name, scoped] of Object.entries(workflowComponentScopes)) merged[name] = [...(merged[name] ?? []), ...scoped];
  return merged;
}

/**
 * Path prefixes of the gateway's public API: the only paths routed from outside the cluster.
 * Everything else it serves (/admin/*, /metrics, /healthz, /readyz) stays inside.
 */
export const gatewayPublicPaths: readonly string[] = ["/orders", "/inventory"];

/**
 * How a region runs its saga: `choreography` (each service reacts to the last one's event) or
 * `orchestration` (the order-saga workflow calls each service's commands in turn). Chosen per
 * region (env `SAGA` for the services, `saga` in region config); the order events are the same
 * either way, so regions of different styles replicate to each other unchanged.
 */
export const sagaStyles = ["choreography", "orchestration"] as const;
export type SagaStyle = (typeof sagaStyles)[number];
export const defaultSagaStyle: SagaStyle = "choreography";

/** The orchestrated saga's names and bounds. */
export const orderSaga = {
  workflow: "order-saga",
  /** Gives back what a cancelled order still holds, when the saga itself has already finished. */
  compensation: "order-compensation",
  /** The user's cancel, raised on the running saga. */
  cancelEvent: "cancel",
  /** A payment that does not answer within this cancels the order and releases its stock. */
  paymentTimeoutSeconds: 30,
  /**
   * At most this many activities (each one command call) and workflow executions in flight on the
   * workflow app's sidecar. Unbounded, a burst of orders sends every saga's next command at once:
   * they queue in the services past the invoke timeout, are retried, the retries queue too, and
   * confirmations stop altogether (seen in the benchmark at full load). Bounded, the backlog waits
   * in the workflow engine, durable, and the services work at their own pace.
   */
  concurrency: { activities: 16, workflows: 32 },
  /**
   * How long one command call may take before the activity calls again. Long, and never retried by
   * the sidecar: the activity's own retry (services/order-saga/saga-activities.ts) is the only one.
   */
  commandTimeout: "30s",
} as const;
