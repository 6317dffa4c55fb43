import { z } from "zod";

/** Limits that keep one order small enough for one state value and one message. */
export const orderLimits = {
  maxItems: 100,
  maxQuantity: 10_000,
  maxUnitPrice: 1_000_000,
  maxIdLength: 128,
} as const;

const id = z
  .string()
  .min(1, "must not be empty")
  .max(orderLimits.maxIdLength, `must be at most ${orderLimits.maxIdLength} characters`)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, "may hold only letters, digits and . _ : -");

/** Money travels as a number of currency units; at most two decimals so cents stay exact. */
const price = z
  .number()
  .finite()
  .min(0, "must be >= 0")
  .max(orderLimits.maxUnitPrice, `must be <= ${orderLimits.maxUnitPrice}`)
  .refine((n) => Math.abs(n * 100 - Math.round(n * 100)) < 1e-6, "must have at most two decimal places");

export const skuSchema = id;

/**
 * A price an operator lists: never 0, so no order line can be free. (Order events keep `price`,
 * which admits 0: events written before prices came from the server stay readable.)
 */
export const listPriceSchema = price.refine((n) => n > 0, "must be > 0");

const quantity = z
  .number()
  .int("must be an integer")
  .min(1, "must be > 0")
  .max(orderLimits.maxQuantity, `must be <= ${orderLimits.maxQuantity}`);

/** A line as an order event records it: the price is the server's, taken at placement. */
export const orderLineSchema = z.strictObject({ sku: skuSchema, quantity, unitPrice: price });
export type OrderLine = z.infer<typeof orderLineSchema>;

/**
 * A line as a client asks for it. `unitPrice` is optional: the server prices every line from its
 * price list; a client that sends one states what it expects to pay, and a line whose price
 * differs is refused rather than charged at a price the client did not see.
 */
export const requestedLineSchema = z.strictObject({ sku: skuSchema, quantity, unitPrice: price.optional() });
export type RequestedLine = z.infer<typeof requestedLineSchema>;

/**
 * The public `POST /orders` body. Strict: an unknown field is an error, not silently dropped.
 * The customer is the access token's subject; a `customerId` here may only repeat it.
 */
export const placeOrderSchema = z.strictObject({
  customerId: id.optional(),
  items: z
    .array(requestedLineSchema)
    .min(1, "must hold at least one item")
    .max(orderLimits.maxItems, `must hold at most ${orderLimits.maxItems} items`),
});
export type PlaceOrderInput = z.infer<typeof placeOrderSchema>;

export const customerIdSchema = id;
export const orderIdSchema = z.uuid("must be a UUID");

/** Total in currency units, computed in integer cents so 0.1 + 0.2 stays 0.3. */
export function orderTotal(items: readonly OrderLine[]): number {
  const cents = items.reduce((sum, l) => sum + l.quantity * Math.round(l.unitPrice * 100), 0);
  return cents / 100;
}

/** Turns zod issues into one sentence that names each bad field; `subject` names the value itself. */
export function describeIssues(error: z.ZodError, subject = "body"): string {
  return error.issues
    .map((i) => {
      const path = i.path.length
        ? i.path
            .map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`))
            .join("")
            .replace(/^\./, "")
        : subject;
      return `${path}: ${i.message}`;
    })
    .join("; ");
}
