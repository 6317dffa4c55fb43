/**
 * Finds a daprd binary of the pinned version, or builds one from the Go module proxy.
 *
 * Lookup order: $DAPRD (used as given), then `daprd` on PATH, then ~/.dapr/bin/daprd (where
 * `dapr init` puts it), then our own cache. A found binary of another version is skipped, so
 * every process in the project runs the one pinned runtime.
 */
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  appendFileSync,
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
} from "node:fs";
import { homedir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { projectRoot } from "../../platform/paths.js";
import { versions } from "../../platform/versions.js";

const { version, buildTags, components: keptComponents } = versions.dapr;
export const wrapperDir = join(projectRoot, "scripts", "daprd", "wrapper");

export function cacheRoot(): string {
  return join(process.env["XDG_CACHE_HOME"] ?? join(homedir(), ".cache"), "meridian");
}

/**
 * Builds are cached per version and per wrapper (its main.go and build tags): changing which
 * components are compiled in makes a new build instead of reusing an old binary.
 */
export function cachedDaprdPath(): string {
  const wrapper = createHash("sha256")
    .update(readFileSync(join(wrapperDir, "main.go")))
    .update(buildTags)
    .update(keptComponents.join(","))
    .digest("hex")
    .slice(0, 12);
  return join(cacheRoot(), "daprd", version, wrapper, "daprd");
}

/** The version a daprd binary reports, or undefined when it cannot run. */
export function daprdVersionOf(binary: string): string | undefined {
  const out = spawnSync(binary, ["--version"], { encoding: "utf8", timeout: 15_000 });
  if (out.status !== 0) return undefined;
  return out.stdout.trim().replace(/^v/, "");
}

export function onPath(name: string): string | undefined {
  for (const dir of (process.env["PATH"] ?? "").split(delimiter)) {
    const candidate = join(dir, name);
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

function log(message: string): void {
  process.stderr.write(`[daprd] ${message}\n`);
}

/**
 * Dapr registers each component in its own file of cmd/daprd/components, all compiled in by the
 * `stablecomponents` tag. The build uses a copy of the dapr module (from the verified module
 * cache, through a `replace`) without those files, except for the components this project uses
 * (`components` in versions.json): upstream's own registration code, a third less binary, and
 * about half the resident memory of each sidecar.
 */
function prepareTrimmedDapr(dir: string): void {
  // Listing the package downloads (and verifies) the dapr module if it is not cached yet.
  const componentsDir = run(["list", "-tags", buildTags, "-f", "{{.Dir}}", "github.com/dapr/dapr/cmd/daprd/components"], dir).trim();
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

/** `go` from PATH, else the standard install location (a non-login shell may not have it on PATH). */
export function goBinary(): string {
  if (onPath("go")) return "go";
  const standard = "/usr/local/go/bin/go";
  return existsSync(standard) ? standard : "go";
}

export function goEnv(): NodeJS.ProcessEnv {
  // Every hash go needs is in the wrapper's go.sum, so the checksum database is never asked;
  // GONOSUMDB/GOFLAGS from the caller's environment must not loosen that.
  return { ...process.env, GOTOOLCHAIN: "local", CGO_ENABLED: "0", GONOSUMDB: "", GONOSUMCHECK: "", GOFLAGS: "-mod=readonly" };
}

export function run(args: string[], cwd: string): string {
  const out = spawnSync(goBinary(), args, { cwd, env: goEnv(), encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (out.status !== 0) throw new Error(`go ${args[0]} failed:\n${out.stderr.split("\n").slice(-30).join("\n")}`);
  return out.stdout;
}

/** Copies a built binary into the cache in one rename, so a concurrent reader never sees half of it. */
export function installBinary(built: string, target: string): void {
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(built, `${target}.tmp`);
  chmodSync(`${target}.tmp`, 0o755);
  renameSync(`${target}.tmp`, target);
}

/**
 * `go build` of one main package in a prepared wrapper directory, printing how many of `total`
 * packages are compiled every ten seconds. The version is stamped as Dapr's Makefile does.
 */
export async function compileWithProgress(
  label: string,
  dir: string,
  pkg: string,
  tags: string,
  output: string,
  total: number,
  elapsed: () => string,
): Promise<void> {
  const ldflags = `-s -w -X github.com/dapr/dapr/pkg/buildinfo.version=${version}`;
  await new Promise<void>((resolve, reject) => {
    const child = spawn(goBinary(), ["build", "-v", "-trimpath", "-tags", tags, "-ldflags", ldflags, "-o", output, pkg], {
      cwd: dir,
      env: goEnv(),
      stdio: ["ignore", "ignore", "pipe"],
    });
    let compiled = 0;
    let lastPrint = 0;
    let tail = "";
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => {
      tail = (tail + chunk).slice(-8000);
      compiled += chunk.split("\n").filter((l) => l && !l.startsWith("go: ")).length;
      if (Date.now() - lastPrint > 10_000) {
        lastPrint = Date.now();
        process.stderr.write(`[${label}] compiled ${Math.min(compiled, total)}/${total} packages (${elapsed()})\n`);
      }
    });
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`go build failed (exit ${code}):\n${tail}`))));
  });
}

async function buildDaprd(): Promise<void> {
  if (spawnSync(goBinary(), ["version"]).status !== 0) {
    throw new Error("daprd not found and Go is not installed: install Go, set DAPRD, or run `dapr init`");
  }
  const pinnedInWrapper = wrapperDaprVersion();
  if (pinnedInWrapper !== version) {
    throw new Error(`scripts/daprd/wrapper/go.mod requires dapr ${pinnedInWrapper}, versions.json pins ${version}`);
  }
  const started = Date.now();
  const elapsed = (): string => `${Math.round((Date.now() - started) / 1000)}s`;
  // Build in a copy so nothing go writes lands in the checkout.
  const dir = join(cacheRoot(), "daprd-build", version);
  mkdirSync(dir, { recursive: true });
  for (const f of ["go.mod", "go.sum", "main.go"]) copyFileSync(join(wrapperDir, f), join(dir, f));

  log(
    `building daprd ${version} (${buildTags ? `tags ${buildTags}` : "the project's components"}) through the Go module proxy; the first build takes minutes`,
  );
  log("downloading and verifying modules...");
  prepareTrimmedDapr(dir);
  const total = run(["list", "-deps", "-tags", buildTags, "."], dir).split("\n").filter(Boolean).length;
  log(`modules ready (${elapsed()}); compiling up to ${total} packages`);

  const output = join(dir, "daprd.out");
  await compileWithProgress("daprd", dir, ".", buildTags, output, total, elapsed);

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
