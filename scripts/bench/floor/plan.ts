/**
 * What each app of the Dapr floor does per order: the calibration table. The floor's apps
 * (app.ts) run exactly these calls, and `expectedOpsPerOrder` says what they should add up to
 * in daprd's metrics, so a unit test holds the table to the system's figures.
 *
 * Calibrated against `npm run bench -- --scale quick` (the home region's saga; the report's
 * "both regions" table is the home saga plus the other region's replica of it, which doubles
 * orders' and order-view's state calls and publishes):
 *
 * | app        | system, per order                                              | floor        |
 * | gateway    | 1 invocation (POST) + the benchmark's polls                    | same         |
 * | orders     | 1 invocation received; 3 bulk gets, 3 transactions, 2 publishes | same        |
 * | inventory  | 1 bulk get, 1 transaction of 3 records, 3 publishes           | same         |
 * | payments   | 1 bulk get, 1 transaction, 1 publish                           | same         |
 * | order-view | 2 bulk gets, 2 transactions, 1 set (+ one bulk get per poll)   | same         |
 * | replicator | lake: ~4.5 bulk gets, ~1.5 transactions; replication          | deliveries only |
 *
 * Deliveries are not in the table: the floor runs the system's own Subscription resources, so
 * daprd delivers it the same events (the relay topics, the events each app ignores) as the
 * system. Where the floor deliberately differs:
 * - one region, like the direct baseline: no replica in another region, no peer links, no
 *   replication acknowledgements (the system's figures are for both regions together);
 * - the replicator receives the lake's deliveries and acknowledges them, without the lake's
 *   group-committed writes: the lake is a feature of ours, not a hop of the saga;
 * - writes never conflict (one writer per key, no ETag retries), no leases, no dead letters;
 * - no decision logic: inventory always reserves, payments always authorises.
 */
import { components, topics } from "../../../platform/topology.js";
import { eventType } from "../../../services/shared/events/event-types.js";
import { type OpCounts, addOps, noOps } from "../sidecar-ops.js";

export const floorEventTypes = {
  placed: eventType("order.placed"),
  confirmed: eventType("order.confirmed"),
  reserved: eventType("stock.reserved"),
  levelChanged: eventType("stock.level-changed"),
  authorized: eventType("payment.authorized"),
} as const;

/** Lines per order: the benchmark's orders have two SKUs (saga-load.ts `linesFor`). */
export const linesPerOrder = 2;

/** One reaction of an app: a bulk read, then one transaction whose records are published on commit. */
export interface Step {
  /** Bulk state reads before the write (each one call, whatever the number of keys). */
  readonly reads: number;
  /** The store the step writes; none for a step that only reads. */
  readonly store?: string;
  /**
   * How it writes: a transaction (the default), or a create of a key that must not exist yet
   * (one state set, as the system's read model makes a new view).
   */
  readonly write?: "transaction" | "create";
  /** Records in the transaction that its outbox publishes, each also published on commit to `topic`. */
  readonly published: number;
  readonly topic?: string;
}

export interface Reaction {
  /** What triggers it: an invocation of the app, or an event type delivered to it. */
  readonly on: "invocation" | string;
  readonly steps: readonly Step[];
}

export type FloorApp = "gateway" | "orders" | "inventory" | "payments" | "order-view" | "replicator";

/** Every app's reactions to one order's saga. Anything not listed is delivered and acknowledged. */
export const floorPlan: Readonly<Record<FloorApp, readonly Reaction[]>> = {
  // POST /orders: invoke orders (the benchmark's GET polls add one invocation of order-view each).
  gateway: [{ on: "invocation", steps: [] }],
  orders: [
    // Place: read the stream, list it in the catalogue shard (read, write), append order.placed
    // (the stream and its outbox projection in one transaction), publish it.
    {
      on: "invocation",
      steps: [
        { reads: 1, store: components.ordersCatalog, published: 0 },
        { reads: 1, store: components.ordersStore, published: 1, topic: topics.orders },
      ],
    },
    { on: floorEventTypes.authorized, steps: [{ reads: 1, store: components.ordersStore, published: 1, topic: topics.orders }] },
  ],
  // The reservation and one stock level per line, in one transaction, each record published.
  inventory: [
    {
      on: floorEventTypes.placed,
      steps: [{ reads: 1, store: components.inventoryStore, published: 1 + linesPerOrder, topic: topics.inventory }],
    },
  ],
  payments: [
    { on: floorEventTypes.reserved, steps: [{ reads: 1, store: components.paymentsStore, published: 1, topic: topics.payments }] },
  ],
  // The view on each order event; the customer's index once, when the order is placed, read in
  // the same call as the view and written before it. The view is created on the placement and
  // updated (a transaction with its ETag) on the confirmation.
  "order-view": [
    {
      on: floorEventTypes.placed,
      steps: [
        { reads: 1, store: components.viewStore, published: 0 },
        { reads: 0, store: components.viewStore, published: 0, write: "create" },
      ],
    },
    { on: floorEventTypes.confirmed, steps: [{ reads: 1, store: components.viewStore, published: 0 }] },
  ],
  replicator: [],
};

/**
 * The state calls, publishes and invocations per order the plan makes daprd count (deliveries
 * and the benchmark's polls excepted: those follow from the subscriptions and the poller).
 */
export function expectedOpsPerOrder(plan: Readonly<Record<FloorApp, readonly Reaction[]>> = floorPlan): Record<FloorApp, OpCounts> {
  const out = {} as Record<FloorApp, OpCounts>;
  for (const [app, reactions] of Object.entries(plan) as [FloorApp, readonly Reaction[]][]) {
    let ops = noOps();
    for (const r of reactions) {
      const own = noOps();
      if (r.on === "invocation" && app !== "gateway") own["invocations received"] = 1;
      if (app === "gateway") own["invocations sent"] = 1;
      for (const s of r.steps) {
        own["state bulk gets"] += s.reads;
        if (s.store !== undefined) own[s.write === "create" ? "state sets" : "state transactions"] += 1;
        own.publishes += s.published;
      }
      own["HTTP API requests"] =
        own["invocations sent"] + own["state bulk gets"] + own["state transactions"] + own["state sets"] + own.publishes;
      ops = addOps(ops, own);
    }
    out[app] = ops;
  }
  return out;
}
