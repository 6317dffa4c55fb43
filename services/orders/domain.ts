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
import { type Decided, duplicate, noop } from "../shared/domain/decision.js";
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

/** A user cancel, in the order's home region: allowed while pending or confirmed (stock is released, payment refunded). */
export function cancel(orderId: string, state: OrderState | undefined, ctx: EventContext): EventRecord<OrderCancelled> {
  if (!state) throw new DomainError("not-found", `order ${orderId} does not exist`);
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

/**
 * A change event replicated from the order's home region. Replicas are read-only copies kept
 * in version order: an event already held is a duplicate, one that skips a version waits for
 * the one before it.
 */
export function acceptReplica(
  held: readonly EventRecord[],
  state: OrderState | undefined,
  event: EventRecord,
  region: string,
): Decided<object> {
  const orderId = event.subject;
  if (event.originRegion === region)
    throw new DomainError("conflict", `event ${event.id} originated here; a region never replicates to itself`);
  const home = state ? state.homeRegion : event.originRegion;
  if (home === region) throw new DomainError("conflict", `order ${orderId} is homed here; only its home region writes it`);
  if (event.aggregateVersion <= held.length) return duplicate;
  if (event.aggregateVersion > held.length + 1) {
    throw new DomainError(
      "replica-waiting",
      `replica of ${orderId} holds version ${held.length}; version ${event.aggregateVersion} must wait`,
      {
        heldVersion: held.length,
      },
    );
  }
  return { kind: "write" };
}

/**
 * Re-seeding a region that lost its data with a whole stream from a peer's event lake: kept
 * only when it is longer than what is here (the region may have rebuilt part of it since).
 * The events must be one order's stream, versions 1 to n without gaps.
 */
export function restoreStream(orderId: string, held: readonly EventRecord[], events: readonly EventRecord[]): Decided<object> {
  if (events.some((e, i) => e.subject !== orderId || e.aggregateVersion !== i + 1)) {
    throw new DomainError("validation", "events must be one order's stream, versions 1 to n without gaps");
  }
  return held.length >= events.length ? noop : { kind: "write" };
}
