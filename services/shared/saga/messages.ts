/**
 * What the orchestrated saga and the services' command routes exchange (platform/topology.ts
 * `sagaStyles`). A command carries the very event the choreography would have delivered, so the
 * same domain function decides with the same event id, and a retried activity is recognised as
 * a duplicate exactly as a redelivered event is.
 */
import type { EventRecord } from "../events/envelope.js";
import type { OrderStatus } from "../orders/order-state.js";

/** A command's answer: the record it decided about, as it stands afterwards (its latest event). */
export interface RecordAnswer {
  readonly record: EventRecord | null;
}

/** An order command's answer: where the order stands, and the event that cancelled it, if any. */
export interface OrderAnswer {
  readonly status: OrderStatus;
  readonly cancelled: EventRecord | null;
}

/** The saga's command routes, one per decision, on each service (`commands` in the invocation policy). */
export const sagaCommands = {
  reserve: "commands/reserve",
  release: "commands/release",
  authorize: "commands/authorize",
  refund: "commands/refund",
  advanceOrder: "commands/advance",
  timeOutOrder: "commands/time-out",
} as const;
