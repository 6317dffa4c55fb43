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
  orderView: "order-view",
} as const;
export type AppId = (typeof apps)[keyof typeof apps];
export const allApps: readonly AppId[] = Object.values(apps);

/** Dapr component names. */
export const components = {
  pubsub: "pubsub",
  /** Carries the outbox's internal topics; a separate component so its concurrency can differ. */
  outboxPubsub: "outbox-pubsub",
  ordersStore: "orders-store",
  viewStore: "view-store",
} as const;

/** Topics. Each service publishes its own change events to one topic named after it. */
export const topics = {
  orders: "orders",
} as const;

export interface SubscriptionSpec {
  /** Name of the Dapr Subscription resource. */
  readonly name: string;
  readonly pubsub: string;
  readonly topic: string;
  /** App route that receives the events. */
  readonly route: string;
  readonly app: AppId;
}

/** Declarative subscriptions; rendered for the local runner and for Kubernetes alike. */
export const subscriptions: readonly SubscriptionSpec[] = [
  { name: "order-view-orders", pubsub: components.pubsub, topic: topics.orders, route: "/events/orders", app: apps.orderView },
];

export interface StoreSpec {
  readonly name: string;
  /** The one app that writes this store: each service is the single writer of its data. */
  readonly owner: AppId;
  /** When set, the store's transactions publish to this topic through Dapr's outbox. */
  readonly outboxTopic?: string;
}

export const stores: readonly StoreSpec[] = [
  { name: components.ordersStore, owner: apps.orders, outboxTopic: topics.orders },
  { name: components.viewStore, owner: apps.orderView },
];

/** Which apps may use which component (Dapr component scopes). */
export const componentScopes: Readonly<Record<string, readonly AppId[]>> = {
  [components.pubsub]: [apps.orders, apps.orderView],
  [components.outboxPubsub]: [apps.orders],
  [components.ordersStore]: [apps.orders],
  [components.viewStore]: [apps.orderView],
};
