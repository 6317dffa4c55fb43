/**
 * Decisions of the Order aggregate: pure functions from state and command (or incoming event)
 * to new events. No I/O, no clock, no randomness: those come in through `EventContext`, so every
 * rule is unit-testable.
 */
import { createEvent } from "../shared/events/contracts.js";
import type { EventContext, EventRecord } from "../shared/events/envelope.js";
import { inventoryEventTypes, type Reservation } from "../shared/events/inventory-events.js";
import { type OrderCancelled, type OrderPlaced, type OrderRejected, orderEventTypes } from "../shared/events/order-events.js";
import type { OrderLine } from "../shared/events/order-input.js";
import { orderTotal } from "../shared/events/order-input.js";
import { paymentEventTypes } from "../shared/events/payment-events.js";
import { DomainError } from "../shared/domain/errors.js";
import { type OrderState, finalStatuses } from "../shared/orders/order-state.js";

export interface PlaceOrder {
  readonly orderId: string;
  readonly customerId: string;
  readonly items: readonly OrderLine[];
  readonly requestHash: string;
  readonly currency: string;
}

export type PlaceDecision = { kind: "created"; event: EventRecord<OrderPlaced> } | { kind: "replayed"; state: OrderState };

/**
 * Placing is idempotent: the same order id with the same request is the same order (a client
 * retry with its Idempotency-Key); with a different request it is an error.
 */
export function place(existing: OrderState | undefined, cmd: PlaceOrder, ctx: EventContext): PlaceDecision {
  if (existing) {
    if (existing.requestHash !== cmd.requestHash) {
      throw new DomainError("idempotency-conflict", "this Idempotency-Key was already used with a different request body");
    }
    return { kind: "replayed", state: existing };
  }
  const data: OrderPlaced = {
    orderId: cmd.orderId,
    customerId: cmd.customerId,
    items: [...cmd.items],
    total: orderTotal(cmd.items),
    currency: cmd.currency,
    homeRegion: ctx.region,
    requestHash: cmd.requestHash,
  };
  return { kind: "created", event: createEvent(orderEventTypes.placed, cmd.orderId, 1, data, ctx) };
}

/** A user cancel: allowed while pending or confirmed (stock is released, payment refunded). */
export function cancel(state: OrderState, ctx: EventContext): EventRecord<OrderCancelled> {
  if (finalStatuses.includes(state.status)) throw new DomainError("conflict", `order ${state.orderId} is already ${state.status}`);
  return createEvent(orderEventTypes.cancelled, state.orderId, state.version + 1, { orderId: state.orderId, reason: "user" }, ctx);
}

/** The event types an order reacts to; others on the same topics are not its business. */
export const reactsTo: ReadonlySet<string> = new Set([
  inventoryEventTypes.rejected,
  paymentEventTypes.authorized,
  paymentEventTypes.declined,
]);

/**
 * The saga's effect on an order: what an inventory or payment event means for it. Undefined
 * when it means nothing (a duplicate, an event about a step the order has moved past, or a
 * type the order does not react to).
 */
export function react(state: OrderState, event: EventRecord, ctx: EventContext): EventRecord | undefined {
  if (state.status !== "pending") return undefined;
  const version = state.version + 1;
  switch (event.type) {
    case inventoryEventTypes.rejected: {
      const shortages = (event.data as Reservation).shortages;
      const data: OrderRejected = { orderId: state.orderId, reason: `insufficient stock for ${shortages.join(", ")}`, skus: shortages };
      return createEvent(orderEventTypes.rejected, state.orderId, version, data, ctx);
    }
    case paymentEventTypes.authorized:
      return createEvent(orderEventTypes.confirmed, state.orderId, version, { orderId: state.orderId }, ctx);
    case paymentEventTypes.declined:
      return createEvent(orderEventTypes.cancelled, state.orderId, version, { orderId: state.orderId, reason: "payment-declined" }, ctx);
    default:
      return undefined;
  }
}
