import type { Request, RequestHandler, Response } from "express";
import { problem } from "../shared/http/problem.js";

export interface RateLimit {
  /** Requests a client may make per second, sustained. */
  readonly perSecond: number;
  /** Requests a client may make at once after a quiet spell. */
  readonly burst: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * A token bucket per client: `perSecond` sustained, `burst` at once. Over it a client gets 429
 * with `Retry-After` (whole seconds until a request would pass), and the request does no work.
 * Per gateway process: N replicas admit N times the rate, which bounds what one client can make
 * the services behind do, not what an attacker with many identities can (that is the ingress's job).
 */
export function rateLimited(
  limit: RateLimit,
  clientOf: (req: Request, res: Response) => string,
  now: () => number = Date.now,
): RequestHandler {
  const buckets = new Map<string, Bucket>();
  // Idle clients are forgotten once their bucket would be full again anyway, so the map stays small.
  const refillMs = (limit.burst / limit.perSecond) * 1000;
  let sweptAt = now();
  return (req, res, next) => {
    const t = now();
    if (t - sweptAt > refillMs) {
      for (const [key, b] of buckets) if (t - b.at > refillMs) buckets.delete(key);
      sweptAt = t;
    }
    const key = clientOf(req, res);
    const bucket = buckets.get(key) ?? { tokens: limit.burst, at: t };
    bucket.tokens = Math.min(limit.burst, bucket.tokens + ((t - bucket.at) / 1000) * limit.perSecond);
    bucket.at = t;
    buckets.set(key, bucket);
    if (bucket.tokens < 1) {
      const retryAfter = Math.max(1, Math.ceil((1 - bucket.tokens) / limit.perSecond));
      next(
        problem(
          "too-many-requests",
          `more than ${limit.perSecond} requests a second (bursts of ${limit.burst}) from one client; retry after ${retryAfter} s`,
          { retryAfterSeconds: retryAfter },
          { "Retry-After": String(retryAfter) },
        ),
      );
      return;
    }
    bucket.tokens -= 1;
    next();
  };
}
