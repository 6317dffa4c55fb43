import type { Request, Response } from "express";
import { describe, expect, it } from "vitest";
import { rateLimited } from "../../services/gateway/rate-limit.js";
import { HttpProblem } from "../../services/shared/http/problem.js";

/** Runs the middleware once for `client` at time `t`; undefined when the request passes. */
function attempt(limiter: ReturnType<typeof rateLimited>, client: string): HttpProblem | undefined {
  let outcome: unknown = "not called";
  limiter({ headers: { client } } as unknown as Request, {} as Response, (err?: unknown) => (outcome = err));
  if (outcome === "not called") throw new Error("the middleware neither passed nor refused");
  return outcome as HttpProblem | undefined;
}

describe("per-client rate limit", () => {
  let t = 0;
  const limiter = rateLimited(
    { perSecond: 2, burst: 3 },
    (req) => String(req.headers["client"]),
    () => t,
  );

  it("lets a burst through, then refuses with 429, Retry-After and the reason", () => {
    t = 1_000;
    for (let i = 0; i < 3; i++) expect(attempt(limiter, "flood")).toBeUndefined();
    const refused = attempt(limiter, "flood");
    expect(refused).toBeInstanceOf(HttpProblem);
    expect(refused).toMatchObject({ status: 429, type: "urn:meridian:problem:too-many-requests", headers: { "Retry-After": "1" } });
    expect(refused?.detail).toMatch(/more than 2 requests a second \(bursts of 3\) from one client/);
  });

  it("keeps other clients unaffected while one floods", () => {
    expect(attempt(limiter, "quiet")).toBeUndefined();
  });

  it("lets the flooding client in again at its sustained rate", () => {
    t += 500; // half a second: one token back
    expect(attempt(limiter, "flood")).toBeUndefined();
    expect(attempt(limiter, "flood")?.status).toBe(429);
    t += 10_000; // long quiet: the whole burst again, never more
    for (let i = 0; i < 3; i++) expect(attempt(limiter, "flood")).toBeUndefined();
    expect(attempt(limiter, "flood")?.status).toBe(429);
  });
});
