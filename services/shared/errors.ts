/**
 * A dependency (the sidecar, a store behind it, another app) failed to do its part. Not the
 * caller's fault and usually transient: an HTTP request that meets it is answered 503 with
 * Retry-After, a delivery is retried.
 */
export class DependencyError extends Error {
  override name = "DependencyError";
}
