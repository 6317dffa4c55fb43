/**
 * Every kind of problem the services answer, with its `type` URI, status and title: the one
 * place domain errors and HTTP meet. Documented for clients in docs/problems.md (a test keeps the
 * two equal). URNs rather than web addresses: they identify, and no one has to host them.
 */
import type { DomainErrorKind } from "../domain/errors.js";

export interface ProblemType {
  readonly type: string;
  readonly status: number;
  readonly title: string;
  /** What a client should do, for the documentation. */
  readonly means: string;
}

const urn = (kind: string) => `urn:meridian:problem:${kind}`;

export const problemTypes = {
  validation: {
    type: urn("validation"),
    status: 400,
    title: "Bad Request",
    means: "The request breaks a rule; `detail` names the field and the rule. Fix it; do not retry as is.",
  },
  "malformed-request": {
    type: urn("malformed-request"),
    status: 400,
    title: "Bad Request",
    means:
      "The request cannot be read: malformed JSON, percent-encoding, a Content-Encoding the body does not match, nesting deeper than 32 levels.",
  },
  unauthorized: {
    type: urn("unauthorized"),
    status: 401,
    title: "Unauthorized",
    means:
      "A credential is missing or wrong: a customer's access token (missing, expired, not from the issuer, not for this API), the operator's bearer token, or an app token. `WWW-Authenticate` says which.",
  },
  forbidden: {
    type: urn("forbidden"),
    status: 403,
    title: "Forbidden",
    means: "The credential is good but does not allow this: a customer acting for another customer.",
  },
  "not-found": { type: urn("not-found"), status: 404, title: "Not Found", means: "No such order, SKU, fault or route." },
  conflict: {
    type: urn("conflict"),
    status: 409,
    title: "Conflict",
    means: "The order's state does not allow this (it is already final).",
  },
  "replica-waiting": {
    type: urn("replica-waiting"),
    status: 409,
    title: "Conflict",
    means: "A replicated event arrived before the one it follows; the replicator retries. `heldVersion` says what is held.",
  },
  "too-large": { type: urn("too-large"), status: 413, title: "Content Too Large", means: "The body exceeds the limit." },
  "unsupported-media-type": {
    type: urn("unsupported-media-type"),
    status: 415,
    title: "Unsupported Media Type",
    means: "The body is not JSON, or its encoding or charset is not supported.",
  },
  "idempotency-conflict": {
    type: urn("idempotency-conflict"),
    status: 422,
    title: "Unprocessable Content",
    means: "This Idempotency-Key was used with a different request body. Use a new key for a new order.",
  },
  "event-refused": {
    type: urn("event-refused"),
    status: 422,
    title: "Unprocessable Content",
    means:
      "An event handed in (replication, restore) breaks a rule of its order: `reason` names which (not an order event, subject not the order id, not from the order's home region, a loop, versions not 1 to n). Do not retry it as is.",
  },
  unpriced: {
    type: urn("unpriced"),
    status: 422,
    title: "Unprocessable Content",
    means:
      "A line names a SKU this region's price list does not hold, or a `unitPrice` other than the listed one (`prices` gives the listed ones). Prices come from the server: omit `unitPrice`, or send the listed price.",
  },
  "too-many-requests": {
    type: urn("too-many-requests"),
    status: 429,
    title: "Too Many Requests",
    means: "One client sent more than its rate (per signed-in customer, else per address). Retry after `Retry-After` seconds.",
  },
  "not-home": {
    type: urn("not-home"),
    status: 503,
    title: "Service Unavailable",
    means:
      "Only the order's home region (`homeRegion`) takes commands for it; send it there, or retry after `Retry-After` if that region is down.",
  },
  unavailable: {
    type: urn("unavailable"),
    status: 503,
    title: "Service Unavailable",
    means:
      "A dependency is down or busy. Retry after `Retry-After`; a POST /orders answer carries the `orderId` and `idempotencyKey` that make the retry safe.",
  },
  internal: {
    type: urn("internal"),
    status: 500,
    title: "Internal Server Error",
    means: "A bug: it was logged with the trace id. Never expected; report it.",
  },
} as const satisfies Record<string, ProblemType>;
export type ProblemKind = keyof typeof problemTypes;

/** The kind a bare status means, for problems raised without one (and answers from older services). */
export function kindOfStatus(status: number): ProblemKind {
  const byStatus: Record<number, ProblemKind> = {
    400: "validation",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    409: "conflict",
    413: "too-large",
    415: "unsupported-media-type",
    429: "too-many-requests",
    422: "idempotency-conflict",
    503: "unavailable",
  };
  return byStatus[status] ?? (status >= 500 ? "internal" : "validation");
}

/** Every domain error kind has its problem type: the compiler checks the table covers them. */
export const domainProblem: Readonly<Record<DomainErrorKind, ProblemKind>> = {
  validation: "validation",
  "not-found": "not-found",
  conflict: "conflict",
  "idempotency-conflict": "idempotency-conflict",
  "not-home": "not-home",
  "replica-waiting": "replica-waiting",
  "event-refused": "event-refused",
  unpriced: "unpriced",
};
