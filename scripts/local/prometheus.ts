/**
 * A Prometheus for a running local system: scrapes every service's /metrics and every daprd's
 * metrics port, loads the generated alert rules, and runs in the system's process group so it
 * is stopped with everything else. Used by `PROMETHEUS=1 npm start` and the observability test.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { scrapeJobs, targetLabels } from "../../observability/metrics.js";
import { alertsDir } from "../../observability/paths.js";
import { ensureDebianCommand } from "./install.js";
import { freePort, waitFor } from "./ports.js";
import type { Spawned } from "./processes.js";
import type { AppProcess, SystemHandle } from "./system.js";

export interface PrometheusOptions {
  /** Holds prometheus.yml, the TSDB and the log. */
  readonly dir: string;
  /** Loopback port for the UI and API; a free one when absent. */
  readonly port?: number;
  /** How often every target is scraped; 5s by default (tests use 1s to see data sooner). */
  readonly scrapeInterval?: string;
}

export interface PrometheusHandle {
  readonly url: string;
  readonly port: number;
  readonly configFile: string;
  readonly process: Spawned;
}

interface StaticConfig {
  targets: string[];
  labels: Record<string, string>;
}

/**
 * The scrape configuration for a system. Targets carry `region` and `app` labels, as the
 * PodMonitors give them in Kubernetes, so `up` and daprd's process metrics name their app.
 * Services already label their samples with their region, so that job honours the scraped
 * labels rather than renaming them to exported_region.
 */
export function scrapeConfig(system: SystemHandle, scrapeInterval: string): Record<string, unknown> {
  const targets = (port: (a: AppProcess) => number): StaticConfig[] =>
    system.regions.flatMap((region) =>
      // The workflow apps too (WORKFLOWS=1): their services and sidecars are scraped like the others.
      [...Object.values(region.apps), ...Object.values(region.workflowApps)].map((a) => ({
        targets: [`127.0.0.1:${port(a)}`],
        labels: { [targetLabels.region]: region.name, [targetLabels.app]: a.app },
      })),
    );
  return {
    global: { scrape_interval: scrapeInterval, scrape_timeout: scrapeInterval, evaluation_interval: scrapeInterval },
    rule_files: [join(alertsDir, "*.yaml")],
    scrape_configs: [
      { job_name: scrapeJobs.services, honor_labels: true, metrics_path: "/metrics", static_configs: targets((a) => a.appPort) },
      { job_name: scrapeJobs.sidecars, metrics_path: "/", static_configs: targets((a) => a.metricsPort) },
    ],
  };
}

/** Starts Prometheus (installing Debian's package when missing) and waits until it is ready. */
export async function startPrometheus(system: SystemHandle, opts: PrometheusOptions): Promise<PrometheusHandle> {
  ensureDebianCommand("prometheus", "prometheus");
  const port = opts.port ?? (await freePort());
  mkdirSync(opts.dir, { recursive: true });
  const configFile = join(opts.dir, "prometheus.yml");
  writeFileSync(configFile, stringify(scrapeConfig(system, opts.scrapeInterval ?? "5s")));
  const proc = system.group.spawn(
    "prometheus",
    "prometheus",
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(opts.dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      // Local data is for looking at a run, not for keeping.
      "--storage.tsdb.retention.time=1d",
    ],
    { PATH: process.env["PATH"], HOME: process.env["HOME"] },
    join(opts.dir, "prometheus.log"),
  );
  let exited: number | string | undefined;
  void proc.exited.then((code) => (exited = code));
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor(
      `prometheus on port ${port}`,
      async () => (await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1000) })).ok,
      30_000,
      200,
      () => exited !== undefined,
    );
  } catch (err) {
    if (exited === undefined) throw err;
    throw new Error(`prometheus exited (${exited}) during start-up; see ${proc.logFile}`);
  }
  return { url, port, configFile, process: proc };
}
