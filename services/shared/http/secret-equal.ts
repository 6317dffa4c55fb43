import { createHash, timingSafeEqual } from "node:crypto";

const digest = (s: string): Buffer => createHash("sha256").update(s, "utf8").digest();

/**
 * Whether a presented secret (a token, a bearer credential) is the expected one, in a time that
 * tells an attacker neither where the two differ nor how long the secret is: `===` stops at the
 * first differing character, and timingSafeEqual alone needs equal lengths, which a length check
 * before it gives away. Both are hashed to 32 bytes first and the digests compared in constant
 * time. Anything but a string (an absent header, a header sent twice) matches nothing, and an
 * empty expected secret never matches: an unset secret must not open the door.
 */
export function secretEquals(given: unknown, expected: string): boolean {
  const same = timingSafeEqual(digest(typeof given === "string" ? given : ""), digest(expected));
  return same && typeof given === "string" && expected.length > 0;
}
