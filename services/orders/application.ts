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
import type { PriceList } from "./price-list.js";
import { DomainError } from "../shared/domain/errors.js";
import { orderEventTypes } from "../shared/events/order-events.js";
import type { OrderAnswer } from "../shared/saga/messages.js";
import { type PlaceOrder, cancel, place, react, reactsTo, timeOut } from "./domain.js";
import { acceptReplicaFrom, restoreInto } from "./replica-domain.js";

export interface OrdersAppDeps {
  readonly region: string;
  readonly clock: () => Date;
  readonly events: EventStore;
  readonly catalog: Catalog;
  readonly prices: PriceList;
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

  /** Where the order stands for the orchestrator, with the event that cancelled it (its compensations' cause). */
  async function answer(orderId: string): Promise<OrderAnswer> {
    const { events, state } = await streams.read(orderId);
    if (!state) throw new DomainError("not-found", `order ${orderId} does not exist`);
    const last = events.at(-1);
    return { status: state.status, cancelled: last?.type === orderEventTypes.cancelled ? last : null };
  }

  return {
    /**
     * Idempotent per order id; answers the state at acceptance, also to a retried request. The
     * saga, either style, starts from the committed order.placed: nothing else is on this path.
     */
    place: async (cmd: PlaceOrder, correlationId: string): Promise<OrderState> => {
      // Read before the stream's turn: a price is the list's at the time of the request.
      const prices = await deps.prices.of(cmd.items.map((l) => l.sku));
      return streams.run(cmd.orderId, { command: correlationId }, ({ state }, ctx) => {
        const decision = place(state, cmd, prices, ctx);
        return decision.kind === "replayed"
          ? { kind: "none", result: decision.state }
          : { kind: "append", event: decision.event, result: fold([decision.event])! };
      });
    },

    /** A user cancel; the saga (either style) hears of it from the committed order.cancelled. */
    cancel: (orderId: string, customerId: string): Promise<OrderState> =>
      streams.run(orderId, { command: orderId }, ({ events, state }, ctx) => {
        const event = cancel(orderId, customerId, state, ctx);
        return { kind: "append", event, result: fold([...events, event])! };
      }),

    /**
     * The orchestrated saga's step: an inventory or payment outcome the orchestrator obtained,
     * decided by the same reaction the choreography uses (so the same event is recognised twice).
     */
    advance: async (event: EventRecord): Promise<OrderAnswer> => {
      if (reactsTo.has(event.type)) {
        await streams.run(event.subject, { cause: event }, ({ events, state }, ctx) => {
          const decision = react(event.subject, events, state, event, ctx);
          return decision.kind === "write"
            ? { kind: "append", event: decision.event, result: undefined }
            : { kind: "none", result: undefined };
        });
      }
      return answer(event.subject);
    },

    /** The orchestrated saga waited for the payment long enough: a pending order is cancelled. */
    timeOut: async (orderId: string): Promise<OrderAnswer> => {
      await streams.run(orderId, { command: `timeout-${orderId}` }, ({ state }, ctx) => {
        const event = timeOut(orderId, state, ctx);
        return event ? { kind: "append", event, result: undefined } : { kind: "none", result: undefined };
      });
      return answer(orderId);
    },

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

    /**
     * An event replicated from the order's home region, written through the outbox like any
     * change. Its `originRegion` is the peer whose link delivered it (stamped by the replicator);
     * an event that breaks a rule is refused for good (EventRefused, see acceptReplicaFrom).
     */
    replicate: (event: EventRecord): Promise<"applied" | "duplicate"> =>
      streams.run(event.subject, { cause: event }, ({ events, state }) =>
        acceptReplicaFrom(events, state, event, deps.region).kind === "write"
          ? { kind: "replicate", event, result: "applied" }
          : { kind: "none", result: "duplicate" },
      ),

    /**
     * `raw` as received (history is put back, never rewritten); `checked` the same events read,
     * in version order. Only into an empty stream (see restoreInto): "kept" when the very same
     * stream is already here, refused when another one is (conflict) or an event breaks a rule (EventRefused).
     */
    restore: (orderId: string, raw: readonly EventRecord[], checked: readonly EventRecord[]): Promise<"restored" | "kept"> =>
      streams.run(orderId, { command: `restore-${orderId}` }, ({ events }) =>
        restoreInto(orderId, events, checked).kind === "write"
          ? { kind: "restore", events: raw, result: "restored" }
          : { kind: "none", result: "kept" },
      ),

    read: (orderId: string) => streams.read(orderId),
    readMany: (orderIds: readonly string[]) => streams.readMany(orderIds),
  };
}
