/**
 * `npm start`: every region of the system on this machine, with real daprd sidecars and each
 * region's own broker and stores (PUBSUB and STATE choose the profiles). Ctrl-C (or SIGTERM)
 * stops everything it started.
 */
import { join } from "node:path";
import { z } from "zod";
import { projectRoot } from "../../platform/paths.js";
import { defaultAdminPortBase, defaultGatewayPortBase, defaultRegions, defaultSagaStyle, sagaStyles } from "../../platform/topology.js";
import { loadConfig, port, regionName } from "../../services/shared/config.js";
import { ensureControlPlane } from "../daprd/ensure-control-plane.js";
import { ensureDaprd } from "../daprd/ensure-daprd.js";
import { ensureSentry } from "../daprd/ensure-sentry.js";
import { demoSkus, seedDemo } from "./demo.js";
import { startPrometheus } from "./prometheus.js";
import { profileSettings } from "./profiles.js";
import { replicasFromEnv } from "./replicas.js";
import { startSystem } from "./system.js";

const env = profileSettings.extend({
  REGIONS: z
    .string()
    .default(defaultRegions.join(","))
    .transform((s) => s.split(",").map((r) => r.trim()))
    .pipe(
      z
        .array(regionName)
        .min(1)
        .refine((rs) => new Set(rs).size === rs.length, "region names must be unique"),
    ),
  /** East gets this port, west the next, and so on; GATEWAY_PORT_<REGION> overrides one. */
  GATEWAY_PORT_BASE: port.default(defaultGatewayPortBase),
  /** The gateways' operator ports (loopback only), numbered like the gateway ports. */
  ADMIN_PORT_BASE: port.default(defaultAdminPortBase),
  /** host:port of an OTLP/HTTP receiver (a collector) for the services' and sidecars' traces. */
  OTLP_ENDPOINT: z
    .string()
    .regex(/^[\w.-]+:\d+$/, "must be host:port")
    .optional(),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
  /** PROMETHEUS=1 also runs a Prometheus that scrapes every service and sidecar (observability/README.md). */
  PROMETHEUS: z.enum(["0", "1"]).default("0"),
  PROMETHEUS_PORT: port.default(9090),
  /**
   * WORKFLOWS=1 also runs Dapr's placement and scheduler in every region, and the workflow apps
   * on them (today the runtime check of issue #17; the orchestrated saga next).
   */
  WORKFLOWS: z.enum(["0", "1"]).default("0"),
  /**
   * How every region runs its saga; SAGA_<REGION> sets one region (e.g. SAGA_EAST=orchestration).
   * An orchestrated region runs the workflow control plane and the order-saga app, as WORKFLOWS=1.
   */
  SAGA: z.enum(sagaStyles).default(defaultSagaStyle),
});

/** Settings of the services themselves (see each service's main.ts) that `npm start` passes on. */
const serviceSettings = ["PAYMENT_LIMIT", "CURRENCY", "PUBLISH_ON_COMMIT", "RATE_LIMIT_PER_SECOND", "RATE_LIMIT_BURST"] as const;

async function main(): Promise<void> {
  const config = loadConfig(env);
  const gatewayPorts = Object.fromEntries(
    config.REGIONS.map((r, i) => {
      const override = process.env[`GATEWAY_PORT_${r.toUpperCase().replace(/-/g, "_")}`];
      return [r, override ? port.parse(override) : config.GATEWAY_PORT_BASE + i];
    }),
  );
  const adminPorts = Object.fromEntries(config.REGIONS.map((r, i) => [r, config.ADMIN_PORT_BASE + i]));
  const daprd = await ensureDaprd();
  const sentry = await ensureSentry();
  const saga = Object.fromEntries(
    config.REGIONS.map((r) => [r, z.enum(sagaStyles).parse(process.env[`SAGA_${r.toUpperCase().replace(/-/g, "_")}`] ?? config.SAGA)]),
  );
  const workflows =
    config.WORKFLOWS === "1" || Object.values(saga).includes("orchestration")
      ? { placement: await ensureControlPlane("placement"), scheduler: await ensureControlPlane("scheduler") }
      : undefined;
  const runDir = join(projectRoot, ".run", new Date().toISOString().replace(/[:.]/g, "-"));
  const started = Date.now();
  const profiles = { pubsub: config.PUBSUB, state: config.STATE };
  const replicas = replicasFromEnv();
  const scaled = Object.entries(replicas).filter(([, n]) => n > 1);
  process.stdout.write(
    `starting regions ${config.REGIONS.join(", ")} (pub/sub ${profiles.pubsub}, state ${profiles.state}${
      scaled.length > 0 ? `, replicas ${scaled.map(([app, n]) => `${app}×${n}`).join(" ")}` : ""
    }) with ${daprd}\n`,
  );
  // Service settings a user may set for a run; everything else in the shell stays out of the services.
  const serviceEnv = Object.fromEntries(serviceSettings.flatMap((k) => (process.env[k] ? [[k, process.env[k]!]] : [])));
  const system = await startSystem({
    serviceEnv,
    profiles,
    replicas,
    regions: config.REGIONS,
    gatewayPorts,
    adminPorts,
    runDir,
    daprd,
    sentry,
    otlpEndpoint: config.OTLP_ENDPOINT,
    logLevel: config.LOG_LEVEL,
    ...(workflows ? { workflows } : {}),
    saga,
  });
  const prometheus =
    config.PROMETHEUS === "1"
      ? await startPrometheus(system, { dir: join(runDir, "prometheus"), port: config.PROMETHEUS_PORT }).catch(async (err: unknown) => {
          await system.stop();
          throw err;
        })
      : undefined;

  await seedDemo(system.regions).catch(async (err: unknown) => {
    await system.stop();
    throw err;
  });

  process.stdout.write(`\nready in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  for (const r of system.regions) {
    process.stdout.write(`  ${r.name.padEnd(8)} ${r.gatewayUrl}   (logs: ${r.runDir})\n`);
    process.stdout.write(`  ${"".padEnd(8)} admin ${r.adminUrl}   (ADMIN_TOKEN=$(cat ${join(r.runDir, "admin-token")}))\n`);
    process.stdout.write(`  ${"".padEnd(8)} saga: ${saga[r.name] ?? defaultSagaStyle}\n`);
    if (r.workflowControlPlane) {
      const { placementAddress, schedulerAddress } = r.workflowControlPlane;
      process.stdout.write(`  ${"".padEnd(8)} placement ${placementAddress}, scheduler ${schedulerAddress} (mTLS)\n`);
    }
  }
  if (prometheus) process.stdout.write(`  prometheus ${prometheus.url}   (Grafana: observability/README.md)\n`);
  const demo = demoSkus[0];
  process.stdout.write(`  issuer   ${system.issuer.url}   (customers sign in here; any customer id is a demo user)\n`);
  process.stdout.write(
    [
      "",
      `listed and stocked in every region: ${demoSkus.map((d) => `${d.sku} at ${d.unitPrice}`).join(", ")}`,
      "try:",
      `  TOKEN=$(npm run -s token -- alice --run-dir ${runDir})`,
      `  curl -s -XPOST ${system.regions[0]?.gatewayUrl}/orders -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \\`,
      `    -d '{"items":[{"sku":"${demo.sku}","quantity":1}]}'`,
      "",
    ].join("\n"),
  );
  process.stdout.write(`\nCtrl-C stops everything (${system.group.pids.length} processes).\n`);

  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${signal}: stopping ${system.group.running().length} processes...\n`);
    await system.stop();
    process.stdout.write("stopped.\n");
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
  // If a process dies on its own, say so: a silent half-system is worse than a loud one.
  for (const m of system.group.running()) {
    void m.exited.then((code) => {
      if (!stopping) process.stderr.write(`warning: ${m.name} exited (${code}); see ${m.logFile}\n`);
    });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
