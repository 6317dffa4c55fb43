import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, expect, inject, vi } from "vitest";
import { type SystemHandle, type SystemOptions, startSystem } from "../../scripts/local/system.js";

/** Starts regions with a real daprd per app and a redis-server per region, on free ports. */
export function startTestSystem(regions: readonly string[] = ["east", "west"], extra: Partial<SystemOptions> = {}): Promise<SystemHandle> {
  const runDir = mkdtempSync(join(tmpdir(), "meridian-test-"));
  return startSystem({ regions, runDir, daprd: inject("daprd"), sentry: inject("sentry"), logLevel: "warn", ...extra });
}

/**
 * Polls until `fn` returns a value `ok` accepts (vitest's vi.waitFor), or fails with the last
 * value seen, so a timeout says what the system showed instead of only that it took too long.
 */
export async function eventually<T>(fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 15_000, everyMs = 100): Promise<T> {
  return vi.waitFor(
    async () => {
      const value = await fn();
      if (!ok(value)) throw new Error(`condition not met; last value: ${JSON.stringify(value)?.slice(0, 2000)}`);
      return value;
    },
    { timeout: timeoutMs, interval: everyMs },
  );
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Starts a system before the tests (once, or before each), stops it after, and checks it left no process. */
function useSystem(each: boolean, regions: readonly string[], extra: Partial<SystemOptions>): { readonly system: SystemHandle } {
  let system: SystemHandle | undefined;
  let pids: number[] = [];
  (each ? beforeEach : beforeAll)(async () => {
    system = await startTestSystem(regions, extra);
    pids = system.group.pids;
  });
  (each ? afterEach : afterAll)(async () => {
    const all = [...pids, ...(system?.group.pids ?? [])];
    await system?.stop();
    // Every process the test started is gone, those restarted during the tests included.
    expect([...new Set(all)].filter(isAlive)).toEqual([]);
  });
  return {
    get system(): SystemHandle {
      if (!system) throw new Error("the test system is not started (use it inside tests and hooks)");
      return system;
    },
  };
}

/** A system for the whole test file. Read `.system` inside tests and hooks. */
export function useTestSystem(
  regions: readonly string[] = ["east", "west"],
  extra: Partial<SystemOptions> = {},
): { readonly system: SystemHandle } {
  return useSystem(false, regions, extra);
}

/** A fresh system for each test of the enclosing describe (for tests that stop or wipe regions). */
export function useFreshSystemEach(
  regions: readonly string[] = ["east", "west"],
  extra: Partial<SystemOptions> = {},
): { readonly system: SystemHandle } {
  return useSystem(true, regions, extra);
}
