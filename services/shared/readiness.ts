import type { Readiness } from "./http/app.js";

export type Check = () => Promise<boolean>;

/**
 * Readiness from named checks, run together. A service is ready when every check passes: the
 * gateway, for instance, is not ready while an app it must call for every order is unreachable,
 * so a load balancer stops sending it orders it could only answer 503.
 *
 * Results are kept for `cacheMs`: probes from every kubelet and load balancer must not multiply
 * into a storm of invocations.
 */
export function readinessOf(checks: Readonly<Record<string, Check>>, cacheMs = 1000): () => Promise<Readiness> {
  let cached: { at: number; report: Promise<Readiness> } | undefined;
  const run = async (): Promise<Readiness> => {
    const results = await Promise.all(
      Object.entries(checks).map(async ([name, check]) => [name, (await check().catch(() => false)) ? "ok" : "unreachable"] as const),
    );
    return { ready: results.every(([, r]) => r === "ok"), checks: Object.fromEntries(results) };
  };
  return () => {
    const now = Date.now();
    if (!cached || now - cached.at >= cacheMs) cached = { at: now, report: run() };
    return cached.report;
  };
}
