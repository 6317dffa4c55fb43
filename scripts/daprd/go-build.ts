/**
 * Building Go programs from the module proxy, shared by the daprd builder and the Kubernetes
 * builders (scripts/kube): the same environment, the same cache root and the same progress lines.
 */
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, dirname, join, relative } from "node:path";

export function cacheRoot(): string {
  return join(process.env["XDG_CACHE_HOME"] ?? join(homedir(), ".cache"), "meridian");
}

export function onPath(name: string): string | undefined {
  for (const dir of (process.env["PATH"] ?? "").split(delimiter)) {
    const candidate = join(dir, name);
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** `go` from PATH, else the standard install location (a non-login shell may not have it on PATH). */
export function goBinary(): string {
  if (onPath("go")) return "go";
  const standard = "/usr/local/go/bin/go";
  return existsSync(standard) ? standard : "go";
}

export function goInstalled(): boolean {
  return spawnSync(goBinary(), ["version"]).status === 0;
}

/**
 * Every hash go needs is in the wrapper's go.sum, so the checksum database is never asked;
 * GONOSUMDB/GOFLAGS from the caller's environment must not loosen that. No cgo, as upstream's
 * release builds: static binaries, no C toolchain needed (kine then uses its pure-Go SQLite).
 */
export function goEnv(): NodeJS.ProcessEnv {
  return { ...process.env, GOTOOLCHAIN: "local", CGO_ENABLED: "0", GONOSUMDB: "", GONOSUMCHECK: "", GOFLAGS: "-mod=readonly" };
}

export function runGo(args: string[], cwd: string, env: NodeJS.ProcessEnv = goEnv()): string {
  const out = spawnSync(goBinary(), args, { cwd, env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (out.status !== 0) throw new Error(`go ${args[0]} failed:\n${out.stderr.split("\n").slice(-30).join("\n")}`);
  return out.stdout;
}

/** A short hash of a wrapper module's files plus extra inputs: a changed wrapper makes a new build. */
export function wrapperHash(dir: string, extra: readonly string[] = []): string {
  const hash = createHash("sha256");
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else hash.update(relative(dir, path)).update(readFileSync(path));
    }
  };
  walk(dir);
  for (const e of extra) hash.update(e);
  return hash.digest("hex").slice(0, 12);
}

export interface GoBuild {
  /** The module directory to build in (a copy outside the checkout). */
  readonly dir: string;
  /** Packages to build, e.g. `./cmd/kubectl`. */
  readonly pkg: string;
  readonly output: string;
  readonly tags?: string;
  readonly ldflags: string;
  readonly env: NodeJS.ProcessEnv;
  readonly log: (message: string) => void;
}

/**
 * `go build -v` with a progress line every 10 s: `-v` names each package as it is compiled, and
 * `go list -deps` gives the total, so a cold build of minutes shows how far it got.
 */
export async function goBuildWithProgress(b: GoBuild): Promise<void> {
  const tagArgs = b.tags ? ["-tags", b.tags] : [];
  const total = runGo(["list", "-deps", ...tagArgs, b.pkg], b.dir, b.env)
    .split("\n")
    .filter(Boolean).length;
  const started = Date.now();
  const elapsed = (): string => `${Math.round((Date.now() - started) / 1000)}s`;
  b.log(`compiling ${b.pkg}: up to ${total} packages`);
  await new Promise<void>((resolve, reject) => {
    const child = spawn(goBinary(), ["build", "-v", "-trimpath", ...tagArgs, "-ldflags", b.ldflags, "-o", b.output, b.pkg], {
      cwd: b.dir,
      env: b.env,
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
        b.log(`${b.pkg}: compiled ${Math.min(compiled, total)}/${total} packages (${elapsed()})`);
      }
    });
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`go build ${b.pkg} failed (exit ${code}):\n${tail}`))));
  });
  b.log(`${b.pkg}: built in ${elapsed()} (${Math.round(statSync(b.output).size / 1e6)} MB)`);
}

/** Puts a built binary at its cache path atomically, so a concurrent reader never sees half a file. */
export function installBinary(built: string, target: string): void {
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(built, `${target}.tmp`);
  chmodSync(`${target}.tmp`, 0o755);
  renameSync(`${target}.tmp`, target);
}
