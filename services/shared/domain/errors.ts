/**
 * What a decision can refuse, in the domain's own words: no HTTP, no Dapr. The one mapping to
 * problem documents is services/shared/http/problem-types.ts.
 */
export const domainErrorKinds = [
  /** The input breaks a rule of the command (beyond its schema). */
  "validation",
  /** The aggregate the command is about does not exist. */
  "not-found",
  /** The aggregate's state does not allow the command (cancelling a final order). */
  "conflict",
  /** An idempotency key reused with a different request. */
  "idempotency-conflict",
  /** Only the aggregate's home region takes commands for it. */
  "not-home",
  /** A replica must wait for the version before it. */
  "replica-waiting",
  /** An event handed in (replication, restore) breaks a rule of its order: refused for good. */
  "event-refused",
  /** A line names a SKU the price list does not hold, or a price other than the listed one. */
  "unpriced",
] as const;
export type DomainErrorKind = (typeof domainErrorKinds)[number];

export class DomainError extends Error {
  override name = "DomainError";
  constructor(
    readonly kind: DomainErrorKind,
    message: string,
    /** Facts a caller can act on (the home region, the version held), passed on as problem extensions. */
    readonly facts: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
  }
}
