/**
 * A real Kubernetes API server for one region: kine (etcd API on SQLite) plus kube-apiserver with
 * its default admission chain (PodSecurity included), TLS, RBAC and a static admin token. No
 * controller-manager, scheduler or kubelet: objects are stored and admitted, nothing runs.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KubeBinaries } from "../../scripts/kube/ensure-kube.js";

export interface KubeApiServer {
  readonly name: string;
  readonly url: string;
  readonly token: string;
  readonly caFile: string;
  /** Where both processes log. */
  readonly logs: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

function startLogged(binary: string, args: string[], log: string): ChildProcess {
  const out = createWriteStream(log, { flags: "a" });
  const child = spawn(binary, args, { stdio: ["ignore", "pipe", "pipe"] });
  // Neither source may end the shared file (see scripts/local/processes.ts): it ends once both closed.
  child.stdout?.pipe(out, { end: false });
  child.stderr?.pipe(out, { end: false });
  child.once("close", () => out.end());
  return child;
}

/** Stops one process we started: SIGTERM, then SIGKILL after 10 s. */
async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

async function waitUntil(what: string, ok: () => boolean, died: () => string | undefined, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const death = died();
    if (death) throw new Error(`${what}: ${death}`);
    if (ok()) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${what}: not ready after ${timeoutMs / 1000}s`);
}

export async function startKubeApiServer(name: string, bins: KubeBinaries): Promise<KubeApiServer> {
  const dir = mkdtempSync(join(tmpdir(), `meridian-kube-${name}-`));
  const logs = join(dir, "logs.txt");
  const [kinePort, apiPort] = [await freePort(), await freePort()];
  const token = randomBytes(24).toString("hex");
  writeFileSync(join(dir, "tokens.csv"), `${token},admin,admin,system:masters\n`, { mode: 0o600 });
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  writeFileSync(join(dir, "sa.key"), privateKey.export({ type: "pkcs1", format: "pem" }), { mode: 0o600 });

  const kine = startLogged(
    bins.kine,
    [
      "--endpoint",
      // kine's own default parameters: without the busy timeout, concurrent writes fail with
      // SQLITE_BUSY and the API server never becomes ready (its APIService registration stalls).
      `sqlite://${join(dir, "state.db")}?_journal_mode=WAL&_busy_timeout=30000&_synchronous=NORMAL&_txlock=immediate&_stmt_cache_size=20&cache=shared`,
      "--listen-address",
      `127.0.0.1:${kinePort}`,
      "--metrics-bind-address",
      "0",
    ],
    logs,
  );
  const apiserver = startLogged(
    bins.apiserver,
    [
      `--etcd-servers=http://127.0.0.1:${kinePort}`,
      "--bind-address=127.0.0.1",
      "--advertise-address=127.0.0.1",
      `--secure-port=${apiPort}`,
      `--cert-dir=${join(dir, "certs")}`,
      `--token-auth-file=${join(dir, "tokens.csv")}`,
      "--authorization-mode=RBAC",
      `--service-account-key-file=${join(dir, "sa.key")}`,
      `--service-account-signing-key-file=${join(dir, "sa.key")}`,
      "--service-account-issuer=https://kubernetes.default.svc",
      "--service-cluster-ip-range=10.96.0.0/16",
      // Privileged pods are allowed cluster-wide so that Pod Security admission, not this flag, is
      // what refuses them in the app namespace.
      "--allow-privileged=true",
      // Reads go to kine directly. With the watch cache, requests for a custom resource stalled
      // until the 60 s request timeout now and then (a full apply of a region hung on one).
      "--watch-cache=false",
    ],
    logs,
  );
  const server: KubeApiServer = {
    name,
    url: `https://127.0.0.1:${apiPort}`,
    token,
    caFile: join(dir, "certs", "apiserver.crt"),
    logs,
    stop: async () => {
      await stopProcess(apiserver);
      await stopProcess(kine);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  const died = (): string | undefined => {
    for (const [what, child] of [
      ["kine", kine],
      ["kube-apiserver", apiserver],
    ] as const) {
      if (child.exitCode !== null) return `${what} exited with ${child.exitCode}; log:\n${readFileSync(logs, "utf8").slice(-3000)}`;
    }
    return undefined;
  };
  const ready = (): boolean =>
    spawnSync(
      bins.kubectl,
      ["--server", server.url, "--token", token, "--certificate-authority", server.caFile, "get", "--raw", "/readyz"],
      { encoding: "utf8", timeout: 10_000 },
    ).stdout === "ok";
  try {
    await waitUntil(`${name} API server`, ready, died, 90_000);
  } catch (err) {
    await server.stop();
    throw err;
  }
  return server;
}

/** A kubeconfig with one context per server, named after it (`kubectl --context east …`). */
export function writeKubeconfig(path: string, servers: readonly KubeApiServer[]): void {
  const doc = {
    apiVersion: "v1",
    kind: "Config",
    clusters: servers.map((s) => ({
      name: s.name,
      cluster: { server: s.url, "certificate-authority-data": readFileSync(s.caFile).toString("base64") },
    })),
    users: servers.map((s) => ({ name: `${s.name}-admin`, user: { token: s.token } })),
    contexts: servers.map((s) => ({ name: s.name, context: { cluster: s.name, user: `${s.name}-admin` } })),
    "current-context": servers[0]?.name ?? "",
  };
  writeFileSync(path, JSON.stringify(doc, null, 2), { mode: 0o600 });
}
