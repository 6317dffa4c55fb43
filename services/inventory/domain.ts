/**
 * Regional stock: pure rules for reserving all lines of an order at once, or none, and for
 * giving stock back. Idempotent by construction: an order has one reservation record, and each
 * record lists the event ids already applied to it.
 */
import type { Reservation, StockLevel } from "../shared/events/inventory-events.js";
import type { OrderPlaced } from "../shared/events/order-events.js";
import { type Decided, duplicate, noop } from "../shared/domain/decision.js";

export type Levels = ReadonlyMap<string, StockLevel>;

/** `noop`: the reservation is past this step. */
export type InventoryDecision = Decided<{ reservation: Reservation; levels: StockLevel[] }>;

/** Quantities per SKU; an order may name a SKU on several lines. */
export function demand(items: readonly { sku: string; quantity: number }[]): Map<string, number> {
  const bySku = new Map<string, number>();
  for (const { sku, quantity } of items) bySku.set(sku, (bySku.get(sku) ?? 0) + quantity);
  return bySku;
}

export function reserve(order: OrderPlaced, existing: Reservation | undefined, levels: Levels, eventId: string): InventoryDecision {
  if (existing?.processed.includes(eventId)) return duplicate;
  // A reservation already exists: the order was handled, or cancelled before it arrived.
  if (existing) return noop;
  const wanted = demand(order.items);
  const lines = [...wanted].map(([sku, quantity]) => ({ sku, quantity }));
  const shortages = lines.filter((l) => (levels.get(l.sku)?.available ?? 0) < l.quantity).map((l) => l.sku);
  const base = { orderId: order.orderId, customerId: order.customerId, total: order.total, lines, processed: [eventId] };
  if (shortages.length > 0) return { kind: "write", reservation: { ...base, status: "rejected", shortages }, levels: [] };
  const changed = lines.map((l) => {
    const level = levels.get(l.sku)!;
    return { sku: l.sku, available: level.available - l.quantity, reserved: level.reserved + l.quantity };
  });
  return { kind: "write", reservation: { ...base, status: "reserved", shortages: [] }, levels: changed };
}

/** Compensation (payment declined) or a user cancel: reserved stock goes back. */
export function release(orderId: string, existing: Reservation | undefined, levels: Levels, eventId: string): InventoryDecision {
  if (existing?.processed.includes(eventId)) return duplicate;
  if (!existing) {
    // The cancel overtook the order: leave a tombstone so the order, when it comes, reserves nothing.
    return {
      kind: "write",
      reservation: { orderId, customerId: "", total: 0, status: "voided", lines: [], shortages: [], processed: [eventId] },
      levels: [],
    };
  }
  if (existing.status !== "reserved") return noop;
  const changed = existing.lines.map((l) => {
    const level = levels.get(l.sku) ?? { sku: l.sku, available: 0, reserved: l.quantity };
    return { sku: l.sku, available: level.available + l.quantity, reserved: Math.max(0, level.reserved - l.quantity) };
  });
  return { kind: "write", reservation: { ...existing, status: "released", processed: [...existing.processed, eventId] }, levels: changed };
}

/** The admin's "there are N available here now"; reservations already made stay reserved. */
export function setAvailable(sku: string, current: StockLevel | undefined, available: number): StockLevel {
  return { sku, available, reserved: current?.reserved ?? 0 };
}
