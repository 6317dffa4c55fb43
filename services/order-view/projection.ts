/**
 * How one event changes the read model: pure, so ordering and duplicate rules are unit-tested.
 * Events of one order carry consecutive aggregate versions; the view keeps the version it has
 * applied and compares.
 */
import type { EventRecord } from "../shared/events/envelope.js";
import { type OrderPlaced, orderEventTypes } from "../shared/events/order-events.js";
import { type OrderState, evolve } from "../shared/orders/order-state.js";

export type ViewDecision =
  | { kind: "apply"; next: OrderState }
  /** Already applied (a redelivery or a duplicate): acknowledge and change nothing. */
  | { kind: "duplicate" }
  /** An earlier event has not arrived yet: the view must be rebuilt from the full stream. */
  | { kind: "gap"; have: number; got: number };

export function decide(current: OrderState | undefined, event: EventRecord): ViewDecision {
  const have = current?.version ?? 0;
  if (event.aggregateVersion <= have) return { kind: "duplicate" };
  if (event.aggregateVersion !== have + 1) return { kind: "gap", have, got: event.aggregateVersion };
  return { kind: "apply", next: evolve(current, event) };
}

/**
 * The customer whose index an event may add its order to, known before the view is read: only an
 * order's placement names its customer, and only an order's first view changes an index.
 */
export function customerNamedBy(event: EventRecord): string | undefined {
  return event.type === orderEventTypes.placed ? (event as EventRecord<OrderPlaced>).data.customerId : undefined;
}
