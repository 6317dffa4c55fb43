import { z } from "zod";
import { eventType } from "./event-types.js";

export const inventoryEventTypes = {
  levelChanged: eventType("stock.level.changed"),
  reserved: eventType("stock.reserved"),
  rejected: eventType("stock.rejected"),
  released: eventType("stock.released"),
  /** A cancel reached inventory before the order did: nothing is reserved, and nothing ever will be. */
  voided: eventType("stock.voided"),
} as const;

/** Stock of one SKU in one region. */
export const stockLevelV1 = z.object({
  sku: z.string().min(1),
  available: z.number().int().min(0),
  reserved: z.number().int().min(0),
});
export type StockLevel = z.infer<typeof stockLevelV1>;

export const reservationStatuses = ["reserved", "rejected", "released", "voided"] as const;

/** What inventory holds for one order; every stock.* event about an order carries it whole. */
export const reservationV1 = z.object({
  orderId: z.uuid(),
  customerId: z.string(),
  total: z.number().min(0),
  status: z.enum(reservationStatuses),
  lines: z.array(z.object({ sku: z.string().min(1), quantity: z.number().int().min(1) })),
  /** SKUs that lacked stock, for a rejection. */
  shortages: z.array(z.string()),
  /** Ids of the events already applied: redeliveries are recognised by these. */
  processed: z.array(z.string()),
});
export type Reservation = z.infer<typeof reservationV1>;
