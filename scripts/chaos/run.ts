/**
 * `npm run chaos`: starts its own two regions (free ports, real daprd, sentry and redis-servers),
 * runs the fault and security suite, prints its table, and stops everything. Exits 1 if anything
 * was lost, stuck, doubled, forged or answered 5xx.
 *
 *   npm run chaos [-- --quick]     (--quick: a lighter load and 2,000 bad requests)
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultRegions } from "../../platform/topology.js";
import { ensureDaprd } from "../daprd/ensure-daprd.js";
import { ensureSentry } from "../daprd/ensure-sentry.js";
import { profilesFromEnv } from "../local/profiles.js";
import { replicasFromEnv } from "../local/replicas.js";
import { startSystem } from "../local/system.js";
import { chaosOptions } from "./options.js";
import { chaosTable, runChaos } from "./suite.js";

const log = (line: string): void => void process.stdout.write(`[chaos] ${line}\n`);

async function main(): Promise<void> {
  const system = await startSystem({
    regions: defaultRegions,
    profiles: profilesFromEnv(),
    replicas: replicasFromEnv(),
    runDir: mkdtempSync(join(tmpdir(), "meridian-chaos-")),
    daprd: await ensureDaprd(),
    sentry: await ensureSentry(),
    logLevel: "warn",
  });
  // Ctrl-C or a kill stops what the suite started, like npm start does.
  for (const signal of ["SIGINT", "SIGTERM"] as const)
    process.once(signal, () => {
      log(`${signal}: stopping`);
      void system.stop().finally(() => process.exit(130));
    });
  try {
    const report = await runChaos(system, { ...chaosOptions(process.argv.includes("--quick") ? "quick" : "full"), log });
    process.stdout.write(`\n${chaosTable(report)}\n`);
    process.exitCode = report.ok ? 0 : 1;
  } finally {
    await system.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
