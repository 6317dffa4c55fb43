import { z } from "zod";
import { orderLineSchema } from "./order-input.js";

/** Event type names of the Order aggregate. */
export const orderEventTypes = {
  placed: "order.placed",
} as const;

export const orderPlacedV1 = z.object({
  orderId: z.uuid(),
  customerId: z.string().min(1),
  items: z.array(orderLineSchema).min(1),
  total: z.number().min(0),
  homeRegion: z.string().min(1),
  /** sha256 of the canonical request; lets a repeated Idempotency-Key be compared with the first. */
  requestHash: z.string().length(64),
});
export type OrderPlaced = z.infer<typeof orderPlacedV1>;
