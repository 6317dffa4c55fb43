/**
 * Decisions of the Order aggregate: pure functions from state and command (or incoming event)
 * to new events. No I/O, no clock, no randomness: those come in through `EventContext`, so every
 * rule is unit-testable.
 */
import { createEvent } from "../shared/events/contracts.js";
import type { EventContext, EventRecord } from "../shared/events/envelope.js";
import { inventoryEventTypes, type Reservation } from "../shared/events/inventory-events.js";
import { type OrderCancelled, type OrderPlaced, type OrderRejected, orderEventTypes } from "../shared/events/order-events.js";
import type { OrderLine, RequestedLine } from "../shared/events/order-input.js";
import { orderTotal } from "../shared/events/order-input.js";
import { paymentEventTypes } from "../shared/events/payment-events.js";
import { type Decided, duplicate, noop } from "../shared/domain/decision.js";
import { DomainError } from "../shared/domain/errors.js";
import { type OrderState, finalStatuses } from "../shared/orders/order-state.js";

export interface PlaceOrder {
  readonly orderId: string;
  readonly customerId: string;
  readonly items: readonly RequestedLine[];
  readonly requestHash: string;
  readonly currency: string;
}

/** The region's listed unit price of each SKU asked for; a SKU not listed is absent. */
export type PriceList = ReadonlyMap<string, number>;

/**
 * Prices every line from the price list: the total a customer pays is the server's, never the
 * client's. A SKU without a listed price cannot be sold; a client's `unitPrice` that differs
 * from the listed one is refused (not silently replaced), so nobody is charged a price they did
 * not see. Every bad line is named at once.
 */
export function pricedLines(items: readonly RequestedLine[], prices: PriceList): OrderLine[] {
  const problems: string[] = [];
  const lines = items.map((line, i) => {
    const listed = prices.get(line.sku);
    if (listed === undefined) problems.push(`items[${i}].sku: ${line.sku} has no listed price`);
    else if (line.unitPrice !== undefined && Math.round(line.unitPrice * 100) !== Math.round(listed * 100))
      problems.push(`items[${i}].unitPrice: ${line.unitPrice} is not the listed price of ${line.sku} (${listed})`);
    return { sku: line.sku, quantity: line.quantity, unitPrice: listed ?? 0 };
  });
  if (problems.length > 0) {
    const listed = Object.fromEntries(items.flatMap((l) => (prices.has(l.sku) ? [[l.sku, prices.get(l.sku)!]] : [])));
    throw new DomainError("unpriced", problems.join("; "), { prices: listed });
  }
  return lines;
}

export type PlaceDecision = { kind: "created"; event: EventRecord<OrderPlaced> } | { kind: "replayed"; state: OrderState };

/**
 * Placing is idempotent: the same order id with the same request is the same order (a client
 * retry with its Idempotency-Key); with a different request it is an error.
 */
export function place(existing: OrderState | undefined, cmd: PlaceOrder, prices: PriceList, ctx: EventContext): PlaceDecision {
  if (existing) {
    if (existing.requestHash !== cmd.requestHash) {
      throw new DomainError("idempotency-conflict", "this Idempotency-Key was already used with a different request body");
    }
    // A retry answers what was accepted, at the price it was accepted at, even if the list changed since.
    return { kind: "replayed", state: existing };
  }
  const items = pricedLines(cmd.items, prices);
  const data: OrderPlaced = {
    orderId: cmd.orderId,
    customerId: cmd.customerId,
    items,
    total: orderTotal(items),
    currency: cmd.currency,
    homeRegion: ctx.region,
    requestHash: cmd.requestHash,
  };
  return { kind: "created", event: createEvent(orderEventTypes.placed, cmd.orderId, 1, data, ctx) };
}

/**
 * The declared ownership policy: only an order's home region takes commands for it. Elsewhere
 * the command is refused, naming the home region, whether that region is up (send it there) or
 * down (retry once it is back). No takeover: a single writer per order means replicas never
 * conflict.
 */
export const notHomeRetrySeconds = 30;

function notHome(homeRegion: string): DomainError {
  return new DomainError("not-home", `this order is homed in region ${homeRegion}; only its home region accepts commands for it`, {
    homeRegion,
    retryAfterSeconds: notHomeRetrySeconds,
  });
}

/**
 * A user cancel, in the order's home region: allowed while pending or confirmed (stock is
 * released, payment refunded), and only by the customer who placed it; to anyone else the order
 * does not exist.
 */
export function cancel(orderId: string, customerId: string, state: OrderState | undefined, ctx: EventContext): EventRecord<OrderCancelled> {
  if (!state || state.customerId !== customerId) throw new DomainError("not-found", `order ${orderId} does not exist`);
  if (state.homeRegion !== ctx.region) throw notHome(state.homeRegion);
  if (finalStatuses.includes(state.status)) throw new DomainError("conflict", `order ${state.orderId} is already ${state.status}`);
  return createEvent(orderEventTypes.cancelled, state.orderId, state.version + 1, { orderId: state.orderId, reason: "user" }, ctx);
}

/**
 * The orchestrated saga gave up on the payment: a pending order is cancelled. Past pending (the
 * payment answered after all, or the user cancelled) there is nothing to do.
 */
export function timeOut(orderId: string, state: OrderState | undefined, ctx: EventContext): EventRecord<OrderCancelled> | undefined {
  if (!state) throw new DomainError("not-found", `order ${orderId} does not exist`);
  if (state.status !== "pending") return undefined;
  return createEvent(orderEventTypes.cancelled, orderId, state.version + 1, { orderId, reason: "payment-timeout" }, ctx);
}

/** The event types an order reacts to; others on the same topics are not its business. */
export const reactsTo: ReadonlySet<string> = new Set([
  inventoryEventTypes.rejected,
  paymentEventTypes.authorized,
  paymentEventTypes.declined,
]);

/**
 * The saga's effect on an order: what an inventory or payment event means for it, given the
 * order's stream. The event's id is recorded as the causation of what it caused, so a
 * redelivered event is recognised by the stream itself.
 */
export function react(
  orderId: string,
  events: readonly EventRecord[],
  state: OrderState | undefined,
  event: EventRecord,
  ctx: EventContext,
): Decided<{ event: EventRecord }> {
  if (!state) throw new Error(`${event.type} for unknown order ${orderId}`);
  if (events.some((e) => e.causationId === event.id)) return duplicate;
  const next = consequence(state, event, ctx);
  return next ? { kind: "write", event: next } : noop;
}

/**
 * Undefined when the event means nothing (an event about a step the order has moved past, or a
 * type the order does not react to).
 */
function consequence(state: OrderState, event: EventRecord, ctx: EventContext): EventRecord | undefined {
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
