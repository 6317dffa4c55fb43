import { z } from "zod";
import { eventType } from "./event-types.js";

export const paymentEventTypes = {
  authorized: eventType("payment.authorized"),
  declined: eventType("payment.declined"),
  refunded: eventType("payment.refunded"),
  /** The order was cancelled before payment was asked for: nothing will be charged. */
  voided: eventType("payment.voided"),
} as const;

export const paymentStatuses = ["authorized", "declined", "refunded", "voided"] as const;

/** The payment record of one order; every payment.* event carries it whole. */
export const paymentV1 = z.object({
  orderId: z.uuid(),
  amount: z.number().min(0),
  status: z.enum(paymentStatuses),
  processed: z.array(z.string()),
});
export type Payment = z.infer<typeof paymentV1>;
