/**
 * Finds or builds Dapr's Sentry (the certificate authority that gives each daprd its mTLS
 * identity) of the pinned version, as ensure-daprd.ts does for daprd: the same wrapper module
 * (its go.mod requires dapr and repeats its replaces, its go.sum verifies every download), so
 * `github.com/dapr/dapr/cmd/sentry` builds from the verified module cache, upstream's own code.
 *
 * Lookup order: $SENTRY (used as given), then our own cache. `dapr init` installs no Sentry for
 * self-hosted mode, so there is nothing else to look for.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { versions } from "../../platform/versions.js";
import { wrapperDaprVersion, wrapperDir } from "./ensure-daprd.js";
import { cacheRoot, goBuildWithProgress, goEnv, goInstalled, installBinary, runGo } from "./go-build.js";

const { version } = versions.dapr;
const sentryPackage = "github.com/dapr/dapr/cmd/sentry";

function log(message: string): void {
  process.stderr.write(`[sentry] ${message}\n`);
}

/** Cached per version and per wrapper go.sum: the hashes that verified what it was built from. */
export function cachedSentryPath(): string {
  const wrapper = createHash("sha256")
    .update(readFileSync(join(wrapperDir, "go.sum")))
    .digest("hex")
    .slice(0, 12);
  return join(cacheRoot(), "sentry", version, wrapper, "sentry");
}

/** Sentry has no --version flag; its --help (exit status 2, pflag's) shows the binary runs. */
function runs(binary: string): boolean {
  const out = spawnSync(binary, ["--help"], { encoding: "utf8", timeout: 15_000 });
  return `${out.stdout}${out.stderr}`.includes("Usage of sentry");
}

/** Returns the path of a usable Sentry of the pinned version, building it if needed. */
export async function ensureSentry(): Promise<string> {
  const explicit = process.env["SENTRY"];
  if (explicit) {
    if (!runs(explicit)) throw new Error(`SENTRY=${explicit} does not run (${explicit} --help failed)`);
    return explicit;
  }
  const cached = cachedSentryPath();
  if (existsSync(cached) && runs(cached)) return cached;
  await buildSentry(cached);
  return cached;
}

async function buildSentry(target: string): Promise<void> {
  if (!goInstalled()) {
    throw new Error("sentry not found and Go is not installed: install Go or set SENTRY to a Dapr sentry binary");
  }
  const pinnedInWrapper = wrapperDaprVersion();
  if (pinnedInWrapper !== version) {
    throw new Error(`scripts/daprd/wrapper/go.mod requires dapr ${pinnedInWrapper}, versions.json pins ${version}`);
  }
  const started = Date.now();
  const elapsed = (): string => `${Math.round((Date.now() - started) / 1000)}s`;
  // Its own build directory: a daprd build may run at the same time in daprd-build/.
  const dir = join(cacheRoot(), "sentry-build", version);
  mkdirSync(dir, { recursive: true });
  for (const f of ["go.mod", "go.sum", "main.go"]) copyFileSync(join(wrapperDir, f), join(dir, f));

  log(`building sentry ${version} through the Go module proxy; the first build takes minutes`);
  log("downloading and verifying modules...");
  // Listing the package fetches and verifies the module (`go mod download` would also ask the
  // proxy for the version's .info, which a proxy serving the module itself may refuse).
  runGo(["list", "-f", "{{.Dir}}", "github.com/dapr/dapr/cmd/sentry"], dir);
  log(`modules ready (${elapsed()})`);
  const output = join(dir, "sentry.out");
  // Stamped like daprd (Dapr's Makefile): the version Sentry reports in its logs.
  const ldflags = `-s -w -X github.com/dapr/dapr/pkg/buildinfo.version=${version}`;
  await goBuildWithProgress({ dir, pkg: sentryPackage, output, ldflags, env: goEnv(), log });
  installBinary(output, target);
  if (!runs(target)) throw new Error(`built sentry at ${target} does not run`);
  log(`built sentry ${version} in ${elapsed()}: ${target}`);
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
