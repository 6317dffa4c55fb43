/**
 * The Order read shape and its fold over events. Shared because the writer (`orders`) and the
 * read model (`order-view`) must derive the same state from the same events.
 */
import type { EventRecord } from "../events/envelope.js";
import { type OrderPlaced, type OrderRejected, orderEventTypes } from "../events/order-events.js";
import type { OrderLine } from "../events/order-input.js";

export type OrderStatus = "pending" | "confirmed" | "rejected" | "cancelled";

export interface OrderState {
  readonly orderId: string;
  readonly customerId: string;
  readonly status: OrderStatus;
  readonly homeRegion: string;
  readonly items: readonly OrderLine[];
  readonly total: number;
  readonly currency: string;
  readonly version: number;
  readonly placedAt: string;
  readonly updatedAt: string;
  readonly requestHash: string;
  /** SKUs that lacked stock when the order was rejected. */
  readonly rejectedSkus?: readonly string[];
}

/** Final statuses: nothing changes an order once it is in one of these. */
export const finalStatuses: readonly OrderStatus[] = ["rejected", "cancelled"];

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
        currency: d.currency,
        version: event.aggregateVersion,
        placedAt: event.occurredAt,
        updatedAt: event.occurredAt,
        requestHash: d.requestHash,
      };
    }
    case orderEventTypes.confirmed:
      return next(state, event, "confirmed");
    case orderEventTypes.rejected:
      return next(state, event, "rejected", { rejectedSkus: (event.data as OrderRejected).skus });
    case orderEventTypes.cancelled:
      return next(state, event, "cancelled");
    default:
      throw new Error(`unknown order event ${event.type}`);
  }
}

function next(state: OrderState | undefined, event: EventRecord, status: OrderStatus, extra: Partial<OrderState> = {}): OrderState {
  if (!state) throw new Error(`event ${event.type} before order.placed`);
  return { ...state, ...extra, status, version: event.aggregateVersion, updatedAt: event.occurredAt };
}

/** Current state: a left fold over the stream. */
export function fold(events: readonly EventRecord[]): OrderState | undefined {
  return events.reduce<OrderState | undefined>(evolve, undefined);
}

export type PublicOrder<S extends OrderState = OrderState> = Omit<S, "requestHash">;

/** What clients see of an order; the request hash is an internal detail. */
export function publicOrder<S extends OrderState>(state: S): PublicOrder<S> {
  const { requestHash: _hidden, ...rest } = state;
  return rest;
}
