import { createHmac } from "node:crypto";

/**
 * The local issuer's demo directory: every customer id is a user, whose password is a keyed hash
 * of the id under the run's secret, so the directory needs no list and a test or `npm run token`
 * can sign any customer in. Local only: in the clusters customers sign in at a real issuer.
 */
export function demoPassword(secret: string, customerId: string): string {
  return createHmac("sha256", secret).update(`customer:${customerId}`).digest("base64url").slice(0, 24);
}
