/**
 * Finds a daprd binary of the pinned version, or builds one from the Go module proxy.
 *
 * Lookup order: $DAPRD (used as given), then `daprd` on PATH, then ~/.dapr/bin/daprd (where
 * `dapr init` puts it), then our own cache. A found binary of another version is skipped, so
 * every process in the project runs the one pinned runtime.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { appendFileSync, chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { projectRoot } from "../../platform/paths.js";
import { versions } from "../../platform/versions.js";
import { cacheRoot, goBuildWithProgress, goEnv, goInstalled, installBinary, onPath, runGo } from "./go-build.js";

export { cacheRoot } from "./go-build.js";

const { version, buildTags, components: keptComponents } = versions.dapr;
export const wrapperDir = join(projectRoot, "scripts", "daprd", "wrapper");

/**
 * Builds are cached per version and per wrapper (its main.go and build tags): changing which
 * components are compiled in makes a new build instead of reusing an old binary.
 */
export function cachedDaprdPath(): string {
  return join(cacheRoot(), "daprd", version, wrapperId(), "daprd");
}

function wrapperId(): string {
  return createHash("sha256")
    .update(readFileSync(join(wrapperDir, "main.go")))
    .update(buildTags)
    .update(keptComponents.join(","))
    .digest("hex")
    .slice(0, 12);
}

/** The version a daprd binary reports, or undefined when it cannot run. */
export function daprdVersionOf(binary: string): string | undefined {
  const out = spawnSync(binary, ["--version"], { encoding: "utf8", timeout: 15_000 });
  if (out.status !== 0) return undefined;
  return out.stdout.trim().replace(/^v/, "");
}

function log(message: string): void {
  process.stderr.write(`[daprd] ${message}\n`);
}

/**
 * Dapr registers each component in its own file of cmd/daprd/components, compiled in by the
 * `stablecomponents` or `allcomponents` tag (`pubsub.jetstream` is only in the latter; since only
 * the kept files remain, `allcomponents` compiles exactly those). The build uses a copy of the dapr module (from the verified module
 * cache, through a `replace`) without those files, except for the components this project uses
 * (`components` in versions.json): upstream's own registration code, a third less binary, and
 * about half the resident memory of each sidecar.
 */
function prepareTrimmedDapr(dir: string): void {
  // Listing the package downloads (and verifies) the dapr module if it is not cached yet; `-find`
  // resolves no imports, so the untrimmed package's hundred components are not downloaded for it.
  const componentsDir = runGo(["list", "-find", "-f", "{{.Dir}}", "github.com/dapr/dapr/cmd/daprd/components"], dir).trim();
  const moduleRoot = join(componentsDir, "..", "..", "..");
  const copy = join(dir, "dapr");
  rmSync(copy, { recursive: true, force: true });
  cpSync(moduleRoot, copy, { recursive: true });
  makeWritable(copy);
  const trimmed = join(copy, "cmd", "daprd", "components");
  for (const file of readdirSync(trimmed)) if (file.endsWith(".go") && !keptComponents.includes(file)) rmSync(join(trimmed, file));
  appendFileSync(join(dir, "go.mod"), "\nreplace github.com/dapr/dapr => ./dapr\n");
}

/** The module cache is read-only; the copy must not be, or the next build could not replace it. */
function makeWritable(dir: string): void {
  chmodSync(dir, 0o755);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) makeWritable(path);
    else chmodSync(path, 0o644);
  }
}

/** Returns the path of a usable daprd of the pinned version, building it if needed. */
export async function ensureDaprd(): Promise<string> {
  const explicit = process.env["DAPRD"];
  if (explicit) {
    const found = daprdVersionOf(explicit);
    if (!found) throw new Error(`DAPRD=${explicit} does not run (${explicit} --version failed)`);
    if (found !== version) log(`warning: DAPRD reports ${found}, the project pins ${version}; using it as asked`);
    return explicit;
  }
  for (const candidate of [cachedDaprdPath(), onPath("daprd"), join(homedir(), ".dapr", "bin", "daprd")]) {
    if (!candidate || !existsSync(candidate)) continue;
    const found = daprdVersionOf(candidate);
    if (found === version) return candidate;
    log(`skipping ${candidate}: reports ${found ?? "nothing"}, the project pins ${version}`);
  }
  await buildDaprd();
  return cachedDaprdPath();
}

/** The wrapper module must require exactly the pinned version, or we would build another runtime. */
export function wrapperDaprVersion(): string | undefined {
  const goMod = readFileSync(join(wrapperDir, "go.mod"), "utf8");
  return /^\s*github\.com\/dapr\/dapr v(\S+)$/m.exec(goMod)?.[1];
}

async function buildDaprd(): Promise<void> {
  if (!goInstalled()) {
    throw new Error("daprd not found and Go is not installed: install Go, set DAPRD, or run `dapr init`");
  }
  const pinnedInWrapper = wrapperDaprVersion();
  if (pinnedInWrapper !== version) {
    throw new Error(`scripts/daprd/wrapper/go.mod requires dapr ${pinnedInWrapper}, versions.json pins ${version}`);
  }
  const started = Date.now();
  const elapsed = (): string => `${Math.round((Date.now() - started) / 1000)}s`;
  // Build in a copy so nothing go writes lands in the checkout; one per wrapper, so two
  // checkouts building different component sets at once never share a directory.
  const dir = join(cacheRoot(), "daprd-build", version, wrapperId());
  mkdirSync(dir, { recursive: true });
  for (const f of ["go.mod", "go.sum", "main.go"]) copyFileSync(join(wrapperDir, f), join(dir, f));

  log(
    `building daprd ${version} (${buildTags ? `tags ${buildTags}` : "the project's components"}) through the Go module proxy; the first build takes minutes`,
  );
  log("downloading and verifying modules...");
  prepareTrimmedDapr(dir);
  log(`modules ready (${elapsed()})`);

  const output = join(dir, "daprd.out");
  const ldflags = `-s -w -X github.com/dapr/dapr/pkg/buildinfo.version=${version}`;
  await goBuildWithProgress({ dir, pkg: ".", output, tags: buildTags, ldflags, env: goEnv(), log });
  const target = cachedDaprdPath();
  installBinary(output, target);
  const reported = daprdVersionOf(target);
  if (reported !== version) throw new Error(`built daprd reports ${reported ?? "nothing"}, expected ${version}`);
  log(`built daprd ${version} in ${elapsed()}: ${target}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  ensureDaprd().then(
    (path) => process.stdout.write(`${path}\n`),
    (err: unknown) => {
      process.stderr.write(`[daprd] ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
