import { createHash } from "node:crypto";
import { badRequest } from "../shared/http/problem.js";

/** JSON with object keys sorted, so equal requests hash equal whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

export function sha256Hex(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** Formats 16 bytes of a hash as an RFC 9562 version-8 (custom) UUID. */
function uuidFromHash(hex: string): string {
  const b = hex.slice(0, 32).split("");
  b[12] = "8";
  b[16] = ((parseInt(b[16] ?? "0", 16) & 0x3) | 0x8).toString(16);
  const s = b.join("");
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20, 32)}`;
}

const keyPattern = /^[\x21-\x7e]{1,255}$/;

/** Validates the Idempotency-Key header: 1-255 visible ASCII characters. */
export function parseIdempotencyKey(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  if (!keyPattern.test(raw)) throw badRequest("Idempotency-Key must be 1 to 255 visible ASCII characters");
  return raw;
}

/**
 * The order id for a keyed request is derived from region, customer and key, so a retry reaches
 * the same order in the same single writer without the stateless gateway remembering anything.
 * Keys are each customer's own: another customer's same key is another order, so a guessed key
 * gives away nothing, and claiming it first cannot make anyone else's order fail.
 */
export function orderIdForKey(region: string, customerId: string, key: string): string {
  return uuidFromHash(sha256Hex(`${region}\n${customerId}\n${key}`));
}
