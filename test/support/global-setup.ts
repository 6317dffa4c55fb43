import { spawnSync } from "node:child_process";
import type { TestProject } from "vitest/node";
import { projectRoot } from "../../platform/paths.js";
import { ensureControlPlane } from "../../scripts/daprd/ensure-control-plane.js";
import { ensureDaprd } from "../../scripts/daprd/ensure-daprd.js";
import { ensureSentry } from "../../scripts/daprd/ensure-sentry.js";

declare module "vitest" {
  export interface ProvidedContext {
    daprd: string;
    sentry: string;
    placement: string;
    scheduler: string;
  }
}

/**
 * Integration tests start compiled services with a real daprd, Sentry, placement and scheduler:
 * build them once, before any test (one after the other, sharing Go's build cache).
 */
export default async function setup(project: TestProject): Promise<void> {
  const tsc = spawnSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "tsconfig.json"], {
    cwd: projectRoot,
    stdio: "inherit",
  });
  if (tsc.status !== 0) throw new Error("tsc failed; integration tests need the compiled services");
  project.provide("daprd", await ensureDaprd());
  project.provide("sentry", await ensureSentry());
  project.provide("placement", await ensureControlPlane("placement"));
  project.provide("scheduler", await ensureControlPlane("scheduler"));
}
