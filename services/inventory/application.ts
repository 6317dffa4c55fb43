/**
 * The inventory application: each command and event decided by one function of ./domain.ts and
 * persisted by the one RecordHandler (a SKU's stock and an order's reservation are records).
 */
import { type RecordChange, RecordHandler, type RecordHandlerDeps, type Records, reaction } from "../shared/application/record-handler.js";
import type { Outcome } from "../shared/application/outcome.js";
import type { EventRecord } from "../shared/events/envelope.js";
import { type Reservation, type StockLevel, inventoryEventTypes } from "../shared/events/inventory-events.js";
import { type OrderPlaced, orderEventTypes } from "../shared/events/order-events.js";
import { paymentEventTypes } from "../shared/events/payment-events.js";
import type { RecordAnswer } from "../shared/saga/messages.js";
import { type InventoryDecision, type Levels, release, reserve, setAvailable } from "./domain.js";

const skuPrefix = "sku-";
const skuKey = (sku: string) => `${skuPrefix}${sku}`;
const reservationKey = (orderId: string) => `reservation-${orderId}`;

const reservationType: Record<Reservation["status"], string> = {
  reserved: inventoryEventTypes.reserved,
  rejected: inventoryEventTypes.rejected,
  released: inventoryEventTypes.released,
  voided: inventoryEventTypes.voided,
};

const levelChange = (level: StockLevel): RecordChange => ({
  key: skuKey(level.sku),
  type: inventoryEventTypes.levelChanged,
  subject: level.sku,
  data: level,
});

export type InventoryApp = ReturnType<typeof inventoryApplication>;

export function inventoryApplication(deps: RecordHandlerDeps) {
  const records = new RecordHandler(deps);

  /**
   * One decision about an order's reservation, under the locks of the reservation and every SKU
   * it touches. A release learns its SKUs from the reservation: the handler widens to them.
   */
  function decideReservation(
    orderId: string,
    skus: readonly string[],
    cause: EventRecord,
    decide: (r: Reservation | undefined, levels: Levels) => InventoryDecision,
  ): Promise<Outcome> {
    const rKey = reservationKey(orderId);
    return records.run([rKey, ...skus.map(skuKey)], { cause }, (found: Records, _ctx, keys) => {
      const existing = found.get(rKey)?.value.data as Reservation | undefined;
      const unread = (existing?.lines ?? []).map((l) => skuKey(l.sku)).filter((k) => !keys.includes(k));
      if (unread.length > 0) return { kind: "widen", keys: unread };
      const levels = new Map<string, StockLevel>();
      for (const key of keys) {
        const level = key.startsWith(skuPrefix) ? (found.get(key)?.value.data as StockLevel | undefined) : undefined;
        if (level) levels.set(level.sku, level);
      }
      return reaction(decide(existing, levels), (w) => [
        ...w.levels.map(levelChange),
        { key: rKey, type: reservationType[w.reservation.status], subject: orderId, data: w.reservation },
      ]);
    });
  }

  const reservation = async (orderId: string): Promise<RecordAnswer> => ({
    record: (await records.read([reservationKey(orderId)])).get(reservationKey(orderId))?.value ?? null,
  });

  const onOrderEvent = (event: EventRecord): Promise<Outcome> => {
    if (event.type === orderEventTypes.placed) {
      const order = event.data as OrderPlaced;
      const skus = order.items.map((i) => i.sku);
      return decideReservation(order.orderId, skus, event, (r, levels) => reserve(order, r, levels, event.id));
    }
    if (event.type === orderEventTypes.cancelled) {
      return decideReservation(event.subject, [], event, (r, levels) => release(event.subject, r, levels, event.id));
    }
    return Promise.resolve("ignored");
  };

  /** Compensation: a declined payment gives the stock back at once. */
  const onPaymentEvent = (event: EventRecord): Promise<Outcome> => {
    if (event.type !== paymentEventTypes.declined) return Promise.resolve("ignored");
    return decideReservation(event.subject, [], event, (r, levels) => release(event.subject, r, levels, event.id));
  };

  return {
    /** The operator's "there are N available here now". */
    setStock: (sku: string, available: number): Promise<StockLevel> =>
      records.run([skuKey(sku)], { command: `stock-${sku}` }, (found) => {
        const next = setAvailable(sku, found.get(skuKey(sku))?.value.data as StockLevel | undefined, available);
        return { kind: "write", changes: [levelChange(next)], result: next };
      }),

    level: async (sku: string): Promise<StockLevel | undefined> =>
      (await records.read([skuKey(sku)])).get(skuKey(sku))?.value.data as StockLevel | undefined,

    onOrderEvent,
    onPaymentEvent,

    /** The orchestrated saga's reserve: the reaction to the placed order, answering the reservation. */
    reserveFor: async (placed: EventRecord): Promise<RecordAnswer> => {
      await onOrderEvent(placed);
      return reservation(placed.subject);
    },

    /** The orchestrated saga's release, caused by the cancelled order or the declined payment. */
    releaseFor: async (cause: EventRecord): Promise<RecordAnswer> => {
      await (cause.type === paymentEventTypes.declined ? onPaymentEvent(cause) : onOrderEvent(cause));
      return reservation(cause.subject);
    },
  };
}
