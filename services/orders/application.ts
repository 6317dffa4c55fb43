/**
 * The orders application: every command and event the Order aggregate handles, each decided by
 * one function of ./domain.ts and persisted by the one StreamHandler. Adapters (routes,
 * subscriptions) parse and answer; they decide nothing and write nothing themselves.
 */
import { StreamHandler } from "../shared/application/stream-handler.js";
import type { EventStore } from "../shared/dapr/event-store.js";
import type { Outcome } from "../shared/dapr/subscriber.js";
import type { EventRecord } from "../shared/events/envelope.js";
import type { EventMetrics } from "../shared/events/metrics.js";
import type { Lease } from "../shared/application/lease.js";
import { type OrderState, fold } from "../shared/orders/order-state.js";
import type { Catalog } from "./catalog.js";
import { type PlaceOrder, acceptReplica, cancel, place, react, reactsTo, restoreStream } from "./domain.js";

export interface OrdersAppDeps {
  readonly region: string;
  readonly clock: () => Date;
  readonly events: EventStore;
  readonly catalog: Catalog;
  readonly lease: Lease;
  readonly metrics: EventMetrics;
}

export type OrdersApp = ReturnType<typeof ordersApplication>;

export function ordersApplication(deps: OrdersAppDeps) {
  const streams = new StreamHandler<OrderState>({
    ...deps,
    fold,
    // Listed before its first write, so a replay of the catalogue finds every stream.
    onNewStream: (id) => deps.catalog.add(id),
  });

  return {
    /** Idempotent per order id; answers the state at acceptance, also to a retried request. */
    place: (cmd: PlaceOrder, correlationId: string): Promise<OrderState> =>
      streams.run(cmd.orderId, { command: correlationId }, ({ state }, ctx) => {
        const decision = place(state, cmd, ctx);
        return decision.kind === "replayed"
          ? { kind: "none", result: decision.state }
          : { kind: "append", event: decision.event, result: fold([decision.event])! };
      }),

    cancel: (orderId: string): Promise<OrderState> =>
      streams.run(orderId, { command: orderId }, ({ events, state }, ctx) => {
        const event = cancel(orderId, state, ctx);
        return { kind: "append", event, result: fold([...events, event])! };
      }),

    /** Saga reactions: inventory and payment events move the order on. */
    react: async (event: EventRecord): Promise<Outcome> => {
      if (!reactsTo.has(event.type)) return "ignored";
      return streams.run(event.subject, { cause: event }, ({ events, state }, ctx) => {
        const decision = react(event.subject, events, state, event, ctx);
        if (decision.kind === "duplicate") return { kind: "none", result: "duplicate" };
        if (decision.kind === "noop") return { kind: "none", result: "ignored" };
        return { kind: "append", event: decision.event, result: "applied" };
      });
    },

    /** An event replicated from the order's home region, written through the outbox like any change. */
    replicate: (event: EventRecord): Promise<"applied" | "duplicate"> =>
      streams.run(event.subject, { cause: event }, ({ events, state }) =>
        acceptReplica(events, state, event, deps.region).kind === "write"
          ? { kind: "replicate", event, result: "applied" }
          : { kind: "none", result: "duplicate" },
      ),

    /** `raw` as received (history is put back, never rewritten); `checked` the same events read. */
    restore: (orderId: string, raw: readonly EventRecord[], checked: readonly EventRecord[]): Promise<"restored" | "kept"> =>
      streams.run(orderId, { command: `restore-${orderId}` }, ({ events }) =>
        restoreStream(orderId, events, checked).kind === "write"
          ? { kind: "restore", events: raw, result: "restored" }
          : { kind: "none", result: "kept" },
      ),

    read: (orderId: string) => streams.read(orderId),
  };
}
