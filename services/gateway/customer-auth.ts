import type { NextFunction, Request, RequestHandler, Response } from "express";
import { type JWTVerifyGetKey, createRemoteJWKSet, errors, jwtVerify } from "jose";
import { customerAuth } from "../../platform/auth.js";
import { customerIdSchema } from "../shared/events/order-input.js";
import { HttpProblem, problem } from "../shared/http/problem.js";

export interface CustomerAuthConfig {
  /** The OpenID Connect issuer (`iss`); its discovery document names the JWKS. */
  readonly issuer: string;
  /** The audience (`aud`) a token must be issued for: this API. */
  readonly audience: string;
}

/** Where the signed-in customer is kept for the route (set by `authenticateCustomer`). */
const customerKey = "customerId";

/** The customer the request's token names; only on routes behind `authenticateCustomer`. */
export function customerOf(res: Response): string {
  const id = res.locals[customerKey] as string | undefined;
  if (!id) throw new Error("customerOf used on a route without authenticateCustomer");
  return id;
}

const unauthorized = (detail: string, error: "invalid_token" | "invalid_request" = "invalid_token"): HttpProblem =>
  problem("unauthorized", detail, {}, { "WWW-Authenticate": `Bearer error="${error}", error_description="${detail.replace(/"/g, "'")}"` });

/**
 * The issuer's signing keys, found through its discovery document the first time a token is
 * checked (so a gateway starts while its issuer is still coming up) and cached and refreshed by
 * jose as keys rotate.
 */
function issuerKeys(issuer: string): JWTVerifyGetKey {
  let keys: Promise<JWTVerifyGetKey> | undefined;
  const discover = async (): Promise<JWTVerifyGetKey> => {
    const res = await fetch(new URL(".well-known/openid-configuration", issuer.endsWith("/") ? issuer : `${issuer}/`), {
      signal: AbortSignal.timeout(5000),
    });
    if (!res.ok) throw new Error(`issuer discovery answered ${res.status}`);
    const { jwks_uri: jwksUri, issuer: named } = (await res.json()) as { jwks_uri?: string; issuer?: string };
    if (named !== issuer) throw new Error(`issuer discovery names ${String(named)}, not ${issuer}`);
    if (!jwksUri) throw new Error("issuer discovery names no jwks_uri");
    return createRemoteJWKSet(new URL(jwksUri), { timeoutDuration: 5000 });
  };
  return async (header, token) => {
    keys ??= discover().catch((err: unknown) => {
      keys = undefined; // try again on the next request
      throw err;
    });
    return (await keys)(header, token);
  };
}

/**
 * Demands an OpenID Connect access token (a JWT) from the configured issuer, for this API's
 * audience, and makes its subject the customer: `customerId` is never taken from the request.
 * Missing or bad tokens are 401 problems; the issuer being unreachable is a 503, not a 401, so
 * a client does not throw a good token away.
 */
export function authenticateCustomer(config: CustomerAuthConfig): RequestHandler {
  const keys = issuerKeys(config.issuer);
  return (req: Request, res: Response, next: NextFunction) => {
    const header = req.header("authorization");
    const token = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(header ?? "")?.[1];
    if (!token) {
      next(unauthorized("a customer's access token is required: Authorization: Bearer <token> from the issuer", "invalid_request"));
      return;
    }
    jwtVerify(token, keys, {
      issuer: config.issuer,
      audience: config.audience,
      algorithms: [...customerAuth.algorithms],
      requiredClaims: ["sub", "exp"],
    }).then(
      ({ payload }) => {
        const customer = customerIdSchema.safeParse(payload.sub);
        if (!customer.success) return next(unauthorized("the token's subject is not a valid customer id"));
        res.locals[customerKey] = customer.data;
        next();
      },
      (err: unknown) => next(tokenRefusal(err)),
    );
  };
}

function tokenRefusal(err: unknown): HttpProblem {
  if (err instanceof errors.JWTExpired) return unauthorized("the access token has expired");
  if (err instanceof errors.JWTClaimValidationFailed) return unauthorized(`the access token's ${err.claim} claim is not accepted`);
  if (err instanceof errors.JWSSignatureVerificationFailed) return unauthorized("the access token's signature does not verify");
  if (err instanceof errors.JOSEAlgNotAllowed) return unauthorized("the access token is signed with an algorithm not accepted");
  if (err instanceof errors.JWKSNoMatchingKey) return unauthorized("the access token is signed with a key the issuer does not publish");
  if (err instanceof errors.JOSEError) return unauthorized("the access token is not a valid JWT");
  return problem(
    "unavailable",
    "the identity provider cannot be reached to check the access token; retry shortly",
    {},
    { "Retry-After": "5" },
  );
}
