/**
 * The payments application: each event decided by one function of ./domain.ts and persisted by
 * the one RecordHandler (an order's payment is one record).
 */
import type { Outcome } from "../shared/application/outcome.js";
import { RecordHandler, type RecordHandlerDeps, reaction } from "../shared/application/record-handler.js";
import type { EventRecord } from "../shared/events/envelope.js";
import { type Reservation, inventoryEventTypes } from "../shared/events/inventory-events.js";
import { orderEventTypes } from "../shared/events/order-events.js";
import { type Payment, paymentEventTypes } from "../shared/events/payment-events.js";
import type { RecordAnswer } from "../shared/saga/messages.js";
import { type PaymentDecision, authorize, refund } from "./domain.js";

const paymentKey = (orderId: string) => `payment-${orderId}`;
const paymentType: Record<Payment["status"], string> = {
  authorized: paymentEventTypes.authorized,
  declined: paymentEventTypes.declined,
  refunded: paymentEventTypes.refunded,
  voided: paymentEventTypes.voided,
};

export type PaymentsApp = ReturnType<typeof paymentsApplication>;

export function paymentsApplication(deps: RecordHandlerDeps & { readonly limit: number }) {
  const records = new RecordHandler(deps);

  function decidePayment(orderId: string, cause: EventRecord, decide: (p: Payment | undefined) => PaymentDecision): Promise<Outcome> {
    const key = paymentKey(orderId);
    return records.run([key], { cause }, (found) =>
      reaction(decide(found.get(key)?.value.data as Payment | undefined), (w) => [
        { key, type: paymentType[w.payment.status], subject: orderId, data: w.payment },
      ]),
    );
  }

  const onInventoryEvent = (event: EventRecord): Promise<Outcome> => {
    if (event.type !== inventoryEventTypes.reserved) return Promise.resolve("ignored");
    const reservation = event.data as Reservation;
    return decidePayment(reservation.orderId, event, (p) => authorize(reservation.orderId, reservation.total, p, deps.limit, event.id));
  };

  const onOrderEvent = (event: EventRecord): Promise<Outcome> => {
    if (event.type !== orderEventTypes.cancelled) return Promise.resolve("ignored");
    return decidePayment(event.subject, event, (p) => refund(event.subject, p, event.id));
  };

  const record = async (orderId: string): Promise<RecordAnswer> => ({
    record: (await records.read([paymentKey(orderId)])).get(paymentKey(orderId))?.value ?? null,
  });

  return {
    payment: async (orderId: string): Promise<Payment | undefined> =>
      (await records.read([paymentKey(orderId)])).get(paymentKey(orderId))?.value.data as Payment | undefined,

    /** Stock is reserved: ask the provider. */
    onInventoryEvent,
    /** A cancelled order: refund, or make sure nothing will be charged. */
    onOrderEvent,

    /** The orchestrated saga's authorisation: the same reaction to the reservation, answering the payment. */
    authorizeFor: async (reserved: EventRecord): Promise<RecordAnswer> => {
      await onInventoryEvent(reserved);
      return record(reserved.subject);
    },

    /** The orchestrated saga's refund (or void, when nothing was charged yet), caused by the cancelled order. */
    refundFor: async (cancelled: EventRecord): Promise<RecordAnswer> => {
      await onOrderEvent(cancelled);
      return record(cancelled.subject);
    },
  };
}
