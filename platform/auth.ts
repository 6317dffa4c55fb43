/**
 * How customers prove who they are: an OpenID Connect access token (a JWT) from the region's
 * issuer, with the gateway's audience; the customer is its `sub`. Locally the issuer is the one
 * scripts/local/issuer.ts runs; in the clusters the region config names it (k8s/region.ts).
 */
export const customerAuth = {
  /** The audience every gateway demands, locally; a region config sets its own. */
  localAudience: "https://api.meridian.internal",
  scope: "orders",
  /** The public client that signs demo customers in (the password grant, local only). */
  localClientId: "meridian-cli",
  passwordGrant: "password",
  tokenTtlSeconds: 3600,
  /** Signature algorithms a gateway accepts: asymmetric only, so the issuer's key never leaves it. */
  algorithms: ["ES256", "RS256", "PS256", "EdDSA"],
} as const;
