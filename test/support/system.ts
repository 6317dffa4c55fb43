import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inject } from "vitest";
import { type SystemHandle, type SystemOptions, startSystem } from "../../scripts/local/system.js";

/** Starts regions with a real daprd per app and a redis-server per region, on free ports. */
export function startTestSystem(regions: readonly string[] = ["east", "west"], extra: Partial<SystemOptions> = {}): Promise<SystemHandle> {
  const runDir = mkdtempSync(join(tmpdir(), "meridian-test-"));
  return startSystem({ regions, runDir, daprd: inject("daprd"), logLevel: "warn", ...extra });
}

/** Polls until `fn` returns a value `ok` accepts, or fails with the last value seen. */
export async function eventually<T>(fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 15_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await fn();
    if (ok(last)) return last;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`condition not met within ${timeoutMs} ms; last value: ${JSON.stringify(last)}`);
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
