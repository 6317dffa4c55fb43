/**
 * Errors every layer may meet, named without HTTP or Dapr: the adapters raise them, the
 * application retries some, and the HTTP edge (services/shared/http/problem.ts) answers each.
 */

/** Another writer changed what we read before our write (an ETag conflict): read and decide again. */
export class ConcurrencyError extends Error {
  override name = "ConcurrencyError";
}

/**
 * A dependency (the sidecar, a store behind it, another app) failed to do its part. Not the
 * caller's fault and usually transient: an HTTP request that meets it is answered 503 with
 * Retry-After, a delivery is retried.
 */
export class DependencyError extends Error {
  override name = "DependencyError";
}

/** A refusal another service explained with a problem document; passed on as it came. */
export interface RemoteProblem {
  readonly type?: string;
  readonly title: string;
  readonly detail: string;
  readonly extensions: Readonly<Record<string, unknown>>;
}

/**
 * A call to another app that did not succeed: it refused (`status` 4xx, its reason in
 * `problem`), could not do the work, or was not reached at all (`status` undefined).
 */
export class InvocationError extends DependencyError {
  override name = "InvocationError";
  constructor(
    readonly appId: string,
    readonly status: number | undefined,
    readonly problem: RemoteProblem | undefined,
    /** The callee's own Retry-After, when it gave one. */
    readonly retryAfter: string | undefined,
    message: string,
  ) {
    super(message);
  }

  /** The callee refused the request itself (a 4xx): the caller's input, not an outage. */
  get refused(): boolean {
    return this.status !== undefined && this.status >= 400 && this.status < 500;
  }
}
