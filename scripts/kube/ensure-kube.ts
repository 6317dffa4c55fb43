/**
 * `kube-apiserver`, `kubectl` and `kine` of the pinned versions (versions.json), built from the Go
 * module proxy into ~/.cache/meridian the way daprd is (scripts/daprd): a wrapper module with a
 * checked-in go.sum, a build copy outside the checkout, progress lines, a version check of what
 * was built. The first build takes minutes; later calls return the cached binaries at once.
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { projectRoot } from "../../platform/paths.js";
import { versions } from "../../platform/versions.js";
import { cacheRoot, goBuildWithProgress, goEnv, goInstalled, installBinary, runGo, wrapperHash } from "../daprd/go-build.js";

const kubeVersion = versions.kubernetes.version;
const kineVersion = versions.kubernetes.kine;
const kubeWrapper = join(projectRoot, "scripts", "kube", "wrapper");
const kineWrapper = join(projectRoot, "scripts", "kube", "kine-wrapper");

export interface KubeBinaries {
  readonly apiserver: string;
  readonly kubectl: string;
  readonly kine: string;
}

function log(message: string): void {
  process.stderr.write(`[kube] ${message}\n`);
}

/**
 * Each binary is cached by its own main package plus the module's go.mod and go.sum: adding a
 * program to the wrapper does not invalidate the others.
 */
function kubeBinaryPath(name: string): string {
  const moduleFiles = ["go.mod", "go.sum"].map((f) => readFileSync(join(kubeWrapper, f), "utf8"));
  const hash = wrapperHash(join(kubeWrapper, "cmd", name), [kubeVersion, ...moduleFiles]);
  return join(cacheRoot(), "kube", kubeVersion, hash, name);
}

export function cachedKubeBinaries(): KubeBinaries {
  const kine = join(cacheRoot(), "kine", kineVersion, wrapperHash(kineWrapper, [kineVersion]));
  return { apiserver: kubeBinaryPath("kube-apiserver"), kubectl: kubeBinaryPath("kubectl"), kine: join(kine, "kine") };
}

/** What a binary prints for its version flag, or undefined when it does not run. */
function reportedVersion(binary: string, args: string[]): string | undefined {
  const out = spawnSync(binary, args, { encoding: "utf8", timeout: 15_000 });
  return out.status === 0 ? out.stdout + out.stderr : undefined;
}

const checks = {
  apiserver: (b: string) => reportedVersion(b, ["--version"])?.includes(`v${kubeVersion}`) ?? false,
  kubectl: (b: string) => reportedVersion(b, ["version", "--client"])?.includes(`v${kubeVersion}`) ?? false,
  kine: (b: string) => reportedVersion(b, ["--version"])?.includes(kineVersion) ?? false,
};

/** The wrapper must require exactly the pinned version, or we would build another one. */
function requireVersion(wrapper: string, module: string, version: string): void {
  const goMod = readFileSync(join(wrapper, "go.mod"), "utf8");
  const found = new RegExp(`^\\s*(?:require\\s+)?${module.replaceAll(".", "\\.")} v(\\S+)$`, "m").exec(goMod)?.[1];
  if (found !== version) throw new Error(`${wrapper}/go.mod requires ${module} ${found}, versions.json pins ${version}`);
}

/** Copies a wrapper into the build directory: nothing go writes lands in the checkout. */
function buildDir(wrapper: string, name: string): string {
  const dir = join(cacheRoot(), `${name}-build`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  cpSync(wrapper, dir, { recursive: true });
  return dir;
}

/** Builds programs of the wrapper module (`cmd/<name>`) into their cache paths. */
async function buildKube(programs: readonly (readonly [name: string, path: string])[]): Promise<void> {
  requireVersion(kubeWrapper, "k8s.io/kubernetes", kubeVersion);
  const dir = buildDir(kubeWrapper, "kube");
  const started = Date.now();
  const names = programs.map(([name]) => name).join(", ");
  log(`building ${names} ${kubeVersion} through the Go module proxy; the first build takes minutes`);
  log("downloading and verifying modules...");
  // Listing the packages fetches and verifies the modules (`go mod download` would also ask the
  // proxy for each version's .info, which a proxy serving the module itself may refuse).
  runGo(["list", "-f", "{{.Dir}}", ...programs.map(([name]) => `./cmd/${name}`)], dir);
  const [major, minor] = kubeVersion.split(".");
  // Without these stamps they report v0.0.0-master (component-base and client-go keep their own copies).
  const ldflags = [
    "-s -w",
    ...["k8s.io/component-base/version", "k8s.io/client-go/pkg/version"].flatMap((pkg) => [
      `-X ${pkg}.gitVersion=v${kubeVersion}`,
      `-X ${pkg}.gitMajor=${major}`,
      `-X ${pkg}.gitMinor=${minor}`,
      `-X ${pkg}.gitTreeState=clean`,
    ]),
  ].join(" ");
  for (const [name, path] of programs) {
    const output = join(dir, `${name}.out`);
    await goBuildWithProgress({ dir, pkg: `./cmd/${name}`, output, ldflags, env: goEnv(), log });
    installBinary(output, path);
  }
  log(`${names} ready in ${Math.round((Date.now() - started) / 1000)}s`);
}

async function buildKine(target: string): Promise<void> {
  requireVersion(kineWrapper, "github.com/k3s-io/kine", kineVersion);
  const dir = buildDir(kineWrapper, "kine");
  log(`building kine ${kineVersion} (SQLite, pure Go) through the Go module proxy`);
  const output = join(dir, "kine.out");
  const ldflags = `-s -w -X github.com/k3s-io/kine/pkg/version.Version=v${kineVersion}`;
  await goBuildWithProgress({ dir, pkg: ".", output, ldflags, env: goEnv(), log });
  installBinary(output, target);
}

/** Returns the three binaries, building what is missing or reports another version. */
export async function ensureKubeBinaries(): Promise<KubeBinaries> {
  const target = cachedKubeBinaries();
  const ok = (key: keyof KubeBinaries): boolean => existsSync(target[key]) && checks[key](target[key]);
  if (ok("apiserver") && ok("kubectl") && ok("kine")) return target;
  if (!goInstalled()) throw new Error("kube-apiserver, kubectl and kine are built from source: install Go 1.24+");
  const missing = (["apiserver", "kubectl"] as const).filter((key) => !ok(key));
  if (missing.length > 0) await buildKube(missing.map((key) => [key === "apiserver" ? "kube-apiserver" : "kubectl", target[key]] as const));
  if (!ok("kine")) await buildKine(target.kine);
  for (const key of ["apiserver", "kubectl", "kine"] as const) {
    if (!ok(key)) throw new Error(`built ${target[key]} does not report the pinned version`);
  }
  return target;
}

/** The kubelet of the pinned version, for the single-node cluster (test:cluster); built like the others. */
export async function ensureKubelet(): Promise<string> {
  const path = kubeBinaryPath("kubelet");
  const ok = (): boolean => existsSync(path) && (reportedVersion(path, ["--version"])?.includes(`v${kubeVersion}`) ?? false);
  if (!ok()) await buildKube([["kubelet", path]]);
  if (!ok()) throw new Error(`built ${path} does not report v${kubeVersion}`);
  return path;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  ensureKubeBinaries().then(
    (bins) => process.stdout.write(`${Object.values(bins).join("\n")}\n`),
    (err: unknown) => {
      process.stderr.write(`[kube] ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
