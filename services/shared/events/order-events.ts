import { z } from "zod";
import { eventType } from "./event-types.js";
import { orderLineSchema } from "./order-input.js";

/** Event type names of the Order aggregate. */
export const orderEventTypes = {
  placed: eventType("order.placed"),
  confirmed: eventType("order.confirmed"),
  rejected: eventType("order.rejected"),
  cancelled: eventType("order.cancelled"),
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

/** v2 states the currency of `total` and prices; v1 events were all in the default currency. */
export const orderPlacedV2 = orderPlacedV1.extend({ currency: z.string().regex(/^[A-Z]{3}$/) });
export type OrderPlaced = z.infer<typeof orderPlacedV2>;

/** The currency every v1 order was placed in. */
export const v1Currency = "EUR";

export const orderConfirmedV1 = z.object({ orderId: z.uuid() });
export const orderRejectedV1 = z.object({ orderId: z.uuid(), reason: z.string().min(1), skus: z.array(z.string()) });
// "payment-timeout": the orchestrated saga gave up waiting for the payment (platform/topology.ts `orderSaga`).
/** The reasons v1 knew; a region on an older release reads only these. */
export const cancelReasonsV1 = ["user", "payment-declined"] as const;
export const orderCancelledV1 = z.object({ orderId: z.uuid(), reason: z.enum(cancelReasonsV1) });
/** v2 adds `payment-timeout` (the orchestrated saga's deadline): a new reason is a new version. */
export const cancelReasons = [...cancelReasonsV1, "payment-timeout"] as const;
export const orderCancelledV2 = z.object({ orderId: z.uuid(), reason: z.enum(cancelReasons) });
export type OrderRejected = z.infer<typeof orderRejectedV1>;
export type OrderCancelled = z.infer<typeof orderCancelledV2>;
