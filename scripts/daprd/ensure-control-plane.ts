/**
 * Finds or builds the Dapr control-plane services the local runner starts per region, of the
 * pinned version: Sentry (mTLS certificate authority), placement (actor placement tables) and
 * scheduler (durable reminders, timers and jobs on an embedded etcd; workflows need both of the
 * last two). Built as ensure-daprd.ts builds daprd: the same wrapper module (its go.mod requires
 * dapr and repeats its replaces, its go.sum verifies every download), so `go build
 * github.com/dapr/dapr/cmd/<service>` compiles upstream's own code from the verified module cache.
 *
 * Go's build cache (keyed by content, not directory, with -trimpath) is shared with daprd's build:
 * most of placement's and scheduler's packages are daprd's too, and what is left is mostly etcd's
 * server, which the scheduler embeds. Build them after daprd, not beside it, or both compile the
 * same packages at once.
 *
 * Lookup order: $SENTRY / $PLACEMENT / $SCHEDULER (used as given), then our own cache. `dapr init`
 * installs placement and scheduler as containers, not binaries, so there is nothing else to look for.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { versions } from "../../platform/versions.js";
import { wrapperDaprVersion, wrapperDir } from "./ensure-daprd.js";
import { cacheRoot, goBuildWithProgress, goEnv, goInstalled, installBinary, runGo } from "./go-build.js";

const { version } = versions.dapr;

export const controlPlaneServices = ["sentry", "placement", "scheduler"] as const;
export type ControlPlaneService = (typeof controlPlaneServices)[number];

const overrideVariable: Record<ControlPlaneService, string> = { sentry: "SENTRY", placement: "PLACEMENT", scheduler: "SCHEDULER" };

function logger(service: ControlPlaneService): (message: string) => void {
  return (message) => process.stderr.write(`[${service}] ${message}\n`);
}

/** Cached per version and per wrapper go.sum: the hashes that verified what it was built from. */
export function cachedControlPlanePath(service: ControlPlaneService): string {
  const wrapper = createHash("sha256")
    .update(readFileSync(join(wrapperDir, "go.sum")))
    .digest("hex")
    .slice(0, 12);
  return join(cacheRoot(), service, version, wrapper, service);
}

/** None of them has a --version flag; --help (exit status 2, pflag's) shows the binary runs and is that service. */
function runs(binary: string, service: ControlPlaneService): boolean {
  const out = spawnSync(binary, ["--help"], { encoding: "utf8", timeout: 15_000 });
  return `${out.stdout}${out.stderr}`.includes(`Usage of ${service}`);
}

/** Returns the path of a usable binary of the pinned version, building it if needed. */
export async function ensureControlPlane(service: ControlPlaneService): Promise<string> {
  const explicit = process.env[overrideVariable[service]];
  if (explicit) {
    if (!runs(explicit, service)) throw new Error(`${overrideVariable[service]}=${explicit} does not run (${explicit} --help failed)`);
    return explicit;
  }
  const cached = cachedControlPlanePath(service);
  if (existsSync(cached) && runs(cached, service)) return cached;
  await build(service, cached);
  return cached;
}

/** `module version` pairs of a go.mod's require directives (single and block form). */
export function requirements(goMod: string): Map<string, string> {
  const found = new Map<string, string>();
  let inBlock = false;
  for (const raw of goMod.split("\n")) {
    const line = raw.trim();
    if (line.startsWith("require (")) inBlock = true;
    else if (inBlock && line === ")") inBlock = false;
    else {
      const match = inBlock ? /^(\S+)\s+(v\S+)/.exec(line) : /^require\s+(\S+)\s+(v\S+)/.exec(line);
      if (match) found.set(match[1]!, match[2]!);
    }
  }
  return found;
}

/**
 * The wrapper module is tidy for daprd; placement and scheduler also use modules daprd does not
 * (hashicorp/raft, etcd's server). The build copy gets them from dapr's own go.mod and go.sum at
 * the pinned tag, read from the dapr module (itself verified against the wrapper's go.sum): the
 * requirements, so Go need not search the whole module graph (where an old monolithic etcd module
 * would have to be downloaded only to rule it out), and their hashes, so every download is still
 * checked against upstream's and the checksum database is never asked. The versions Go selects
 * do not change: dapr already requires each of them.
 */
function completeFromDapr(dir: string): void {
  // A package's module, not `go list -m`, which also wants the version's .info from the proxy (see below).
  const daprDir = runGo(["list", "-f", "{{.Module.Dir}}", "github.com/dapr/dapr/pkg/buildinfo"], dir).trim();
  const goMod = readFileSync(join(dir, "go.mod"), "utf8");
  const ours = requirements(goMod);
  const missing = [...requirements(readFileSync(join(daprDir, "go.mod"), "utf8"))].filter(([path]) => !ours.has(path));
  writeFileSync(join(dir, "go.mod"), `${goMod}\nrequire (\n${missing.map(([path, v]) => `\t${path} ${v} // indirect\n`).join("")})\n`);
  const sums = new Set([
    ...readFileSync(join(dir, "go.sum"), "utf8").split("\n"),
    ...readFileSync(join(daprDir, "go.sum"), "utf8").split("\n"),
  ]);
  sums.delete("");
  writeFileSync(join(dir, "go.sum"), `${[...sums].join("\n")}\n`);
}

async function build(service: ControlPlaneService, target: string): Promise<void> {
  const log = logger(service);
  if (!goInstalled()) {
    throw new Error(
      `${service} not found and Go is not installed: install Go or set ${overrideVariable[service]} to a Dapr ${service} binary`,
    );
  }
  const pinnedInWrapper = wrapperDaprVersion();
  if (pinnedInWrapper !== version) {
    throw new Error(`scripts/daprd/wrapper/go.mod requires dapr ${pinnedInWrapper}, versions.json pins ${version}`);
  }
  const started = Date.now();
  const elapsed = (): string => `${Math.round((Date.now() - started) / 1000)}s`;
  // Its own build directory per service: a daprd build or another service's may run at the same time.
  const dir = join(cacheRoot(), `${service}-build`, version);
  mkdirSync(dir, { recursive: true });
  for (const f of ["go.mod", "go.sum", "main.go"]) copyFileSync(join(wrapperDir, f), join(dir, f));

  log(`building ${service} ${version} through the Go module proxy; the first build takes minutes`);
  log("downloading and verifying modules...");
  completeFromDapr(dir);
  // Listing the package downloads (and verifies against go.sum) what is not cached yet. Not `go mod
  // download github.com/dapr/dapr`: that asks the proxy for the version's .info even when the
  // module is cached, and the proxy has answered 403 for dapr v1.16.1's.
  const pkg = `github.com/dapr/dapr/cmd/${service}`;
  runGo(["list", "-f", "{{.Dir}}", pkg], dir);
  log(`modules ready (${elapsed()})`);
  const output = join(dir, `${service}.out`);
  // Stamped like daprd (Dapr's Makefile): the version each service reports in its logs.
  const ldflags = `-s -w -X github.com/dapr/dapr/pkg/buildinfo.version=${version}`;
  await goBuildWithProgress({ dir, pkg, output, ldflags, env: goEnv(), log });
  installBinary(output, target);
  if (!runs(target, service)) throw new Error(`built ${service} at ${target} does not run`);
  log(`built ${service} ${version} in ${elapsed()}: ${target}`);
}

/** `tsx ensure-control-plane.ts [service...]`: every service named, or all three; prints their paths. */
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const asked = process.argv.slice(2);
  const unknown = asked.filter((s) => !(controlPlaneServices as readonly string[]).includes(s));
  if (unknown.length > 0) {
    process.stderr.write(`unknown service(s) ${unknown.join(", ")}; expected any of ${controlPlaneServices.join(", ")}\n`);
    process.exit(2);
  }
  const services = asked.length > 0 ? (asked as ControlPlaneService[]) : controlPlaneServices;
  void (async () => {
    for (const service of services) process.stdout.write(`${await ensureControlPlane(service)}\n`);
  })().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
