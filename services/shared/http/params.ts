import { customerIdSchema, describeIssues, orderIdSchema, skuSchema } from "../events/order-input.js";
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
