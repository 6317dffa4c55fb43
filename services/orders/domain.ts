/**
 * Decisions of the Order aggregate: pure functions from state and command to events. No I/O, no
 * clock, no randomness: those come in through `EventContext`, so every rule is unit-testable.
 */
import { currentVersion } from "../shared/events/contracts.js";
import type { EventRecord } from "../shared/events/envelope.js";
import { type OrderPlaced, orderEventTypes } from "../shared/events/order-events.js";
import type { OrderLine } from "../shared/events/order-input.js";
import { orderTotal } from "../shared/events/order-input.js";
import { unprocessable } from "../shared/http/problem.js";
import type { OrderState } from "../shared/orders/order-state.js";

export interface EventContext {
  readonly region: string;
  readonly now: Date;
  readonly newId: () => string;
  readonly correlationId: string;
  readonly causationId: string | null;
}

export interface PlaceOrder {
  readonly orderId: string;
  readonly customerId: string;
  readonly items: readonly OrderLine[];
  readonly requestHash: string;
}

function newEvent<T>(type: string, subject: string, aggregateVersion: number, data: T, ctx: EventContext): EventRecord<T> {
  return {
    id: ctx.newId(),
    type,
    schemaVersion: currentVersion(type),
    subject,
    aggregateVersion,
    occurredAt: ctx.now.toISOString(),
    originRegion: ctx.region,
    correlationId: ctx.correlationId,
    causationId: ctx.causationId,
    data,
  };
}

export type PlaceDecision = { kind: "created"; event: EventRecord<OrderPlaced> } | { kind: "replayed"; state: OrderState };

/**
 * Placing is idempotent: the same order id with the same request is the same order (a client
 * retry with its Idempotency-Key); with a different request it is an error.
 */
export function place(existing: OrderState | undefined, cmd: PlaceOrder, ctx: EventContext): PlaceDecision {
  if (existing) {
    if (existing.requestHash !== cmd.requestHash) {
      throw unprocessable("this Idempotency-Key was already used with a different request body");
    }
    return { kind: "replayed", state: existing };
  }
  const data: OrderPlaced = {
    orderId: cmd.orderId,
    customerId: cmd.customerId,
    items: [...cmd.items],
    total: orderTotal(cmd.items),
    homeRegion: ctx.region,
    requestHash: cmd.requestHash,
  };
  return { kind: "created", event: newEvent(orderEventTypes.placed, cmd.orderId, 1, data, ctx) };
}
