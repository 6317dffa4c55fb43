/**
 * Finds or builds Dapr's Sentry (the certificate authority that gives each daprd its mTLS
 * identity) of the pinned version: see ensure-control-plane.ts, which builds it like placement and
 * scheduler. `$SENTRY` uses another binary as given.
 */
import { fileURLToPath } from "node:url";
import { cachedControlPlanePath, ensureControlPlane } from "./ensure-control-plane.js";

export function cachedSentryPath(): string {
  return cachedControlPlanePath("sentry");
}

/** Returns the path of a usable Sentry of the pinned version, building it if needed. */
export function ensureSentry(): Promise<string> {
  return ensureControlPlane("sentry");
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  ensureSentry().then(
    (path) => process.stdout.write(`${path}\n`),
    (err: unknown) => {
      process.stderr.write(`[sentry] ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
