/**
 * `npm run drill -- failover|partition`: starts its own two regions (free ports, real daprd and
 * redis-servers), runs the drill with traffic, prints what it measured, and stops everything.
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
import { failoverDrill } from "./failover.js";
import { partitionDrill } from "./partition.js";

const drill = process.argv[2];
if (drill !== "failover" && drill !== "partition") {
  process.stderr.write("usage: npm run drill -- failover | partition\n");
  process.exit(2);
}

const log = (line: string): void => void process.stdout.write(`[drill] ${line}\n`);
const system = await startSystem({
  regions: defaultRegions,
  profiles: profilesFromEnv(),
  replicas: replicasFromEnv(),
  runDir: mkdtempSync(join(tmpdir(), "meridian-drill-")),
  daprd: await ensureDaprd(),
  sentry: await ensureSentry(),
  logLevel: "warn",
});
try {
  const report =
    drill === "failover"
      ? await failoverDrill(system, { victim: "east", ordersPerPhase: 20, convergeTimeoutMs: 120_000, log })
      : await partitionDrill(system, { ordersPerRegion: 20, convergeTimeoutMs: 120_000, log });
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  const bad = report.effects.missing.length + report.effects.misplaced.length + report.effects.stockMismatch.length;
  log(
    `orders placed ${JSON.stringify(report.placed)}, present per region ${JSON.stringify(report.present)}, converged in ${report.convergeMs} ms, effects wrong: ${bad}`,
  );
  process.exitCode = bad === 0 ? 0 : 1;
} finally {
  await system.stop();
}
