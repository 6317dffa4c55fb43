/**
 * The Order read shape and its fold over events. Shared because the writer (`orders`) and the
 * read model (`order-view`) must derive the same state from the same events.
 */
import type { EventRecord } from "../events/envelope.js";
import { type OrderPlaced, orderEventTypes } from "../events/order-events.js";
import type { OrderLine } from "../events/order-input.js";

export type OrderStatus = "pending" | "confirmed" | "rejected" | "cancelled";

export interface OrderState {
  readonly orderId: string;
  readonly customerId: string;
  readonly status: OrderStatus;
  readonly homeRegion: string;
  readonly items: readonly OrderLine[];
  readonly total: number;
  readonly version: number;
  readonly placedAt: string;
  readonly updatedAt: string;
  readonly requestHash: string;
}

/** Applies one event to the state before it. */
export function evolve(state: OrderState | undefined, event: EventRecord): OrderState {
  switch (event.type) {
    case orderEventTypes.placed: {
      const d = event.data as OrderPlaced;
      return {
        orderId: d.orderId,
        customerId: d.customerId,
        status: "pending",
        homeRegion: d.homeRegion,
        items: d.items,
        total: d.total,
        version: event.aggregateVersion,
        placedAt: event.occurredAt,
        updatedAt: event.occurredAt,
        requestHash: d.requestHash,
      };
    }
    default:
      if (!state) throw new Error(`event ${event.type} before order.placed`);
      return { ...state, version: event.aggregateVersion, updatedAt: event.occurredAt };
  }
}

/** Current state: a left fold over the stream. */
export function fold(events: readonly EventRecord[]): OrderState | undefined {
  return events.reduce<OrderState | undefined>(evolve, undefined);
}

export type PublicOrder = Omit<OrderState, "requestHash">;

/** What clients see of an order; the request hash is an internal detail. */
export function publicOrder(state: OrderState): PublicOrder {
  const { requestHash: _hidden, ...rest } = state;
  return rest;
}
