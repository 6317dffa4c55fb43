/**
 * Payments with a deterministic simulated provider: an order is authorised when its total is
 * within the limit, declined above it. One payment record per order, listing the event ids
 * already applied, makes every reaction idempotent.
 */
import type { Payment } from "../shared/events/payment-events.js";
import { type Decided, duplicate, noop } from "../shared/domain/decision.js";

export type PaymentDecision = Decided<{ payment: Payment }>;

/** The simulated provider: same input, same answer. */
export function providerApproves(amount: number, limit: number): boolean {
  return amount <= limit;
}

export function authorize(orderId: string, amount: number, existing: Payment | undefined, limit: number, eventId: string): PaymentDecision {
  if (existing?.processed.includes(eventId)) return duplicate;
  // Already decided, or voided by a cancel that came first: never charge twice or after a cancel.
  if (existing) return noop;
  const status = providerApproves(amount, limit) ? "authorized" : "declined";
  return { kind: "write", payment: { orderId, amount, status, processed: [eventId] } };
}

/** A cancelled order: refund what was authorised; if nothing was yet, make sure nothing will be. */
export function refund(orderId: string, existing: Payment | undefined, eventId: string): PaymentDecision {
  if (existing?.processed.includes(eventId)) return duplicate;
  if (!existing) return { kind: "write", payment: { orderId, amount: 0, status: "voided", processed: [eventId] } };
  if (existing.status !== "authorized") return noop;
  return { kind: "write", payment: { ...existing, status: "refunded", processed: [...existing.processed, eventId] } };
}
