import { customerIdSchema, describeIssues, orderIdSchema, skuSchema } from "../events/order-input.js";
import { z } from "zod";
import { badRequest } from "./problem.js";

/** The `:orderId` path parameter, or a 400 that says what is wrong with it. */
export function orderIdParam(raw: unknown): string {
  const id = orderIdSchema.safeParse(raw);
  if (!id.success) throw badRequest(describeIssues(id.error, "orderId"));
  return id.data;
}

/** The `customerId` query parameter, or a 400. */
export function customerIdQuery(raw: unknown): string {
  const id = customerIdSchema.safeParse(raw);
  if (!id.success) throw badRequest(describeIssues(id.error, "customerId query parameter"));
  return id.data;
}

/** The `:sku` path parameter, or a 400. */
export function skuParam(raw: unknown): string {
  const sku = skuSchema.safeParse(raw);
  if (!sku.success) throw badRequest(describeIssues(sku.error, "sku"));
  return sku.data;
}

/** Orders a listing answers at most, and by default. */
export const pageLimits = { max: 100, default: 50 } as const;

const pageSchema = z.object({
  limit: z.coerce
    .number()
    .int("must be an integer")
    .min(1, "must be >= 1")
    .max(pageLimits.max, `must be <= ${pageLimits.max}`)
    .default(pageLimits.default),
  /** Where the page starts: the `next` link of the page before names it. */
  cursor: z.coerce.number().int("must be an integer").min(0, "must be >= 0").max(1_000_000_000).default(0),
});

/** The `limit` and `cursor` query parameters of a listing, or a 400 naming the bad one. */
export function pageQuery(query: unknown): { limit: number; cursor: number } {
  const { limit, cursor } = (query ?? {}) as Record<string, unknown>;
  const parsed = pageSchema.safeParse({ limit, cursor });
  if (!parsed.success) throw badRequest(describeIssues(parsed.error, "query"));
  return parsed.data;
}
