/**
 * podman as this kind of machine runs it (/work/shared/PLATFORM-NOTES.md, measured): crun refuses
 * the hybrid cgroup layout, so runc with the cgroupfs manager; and no CAP_SYS_RESOURCE, so every
 * container gets explicit rlimits no higher than the current hard limits.
 */
import { spawnSync } from "node:child_process";
import { ensureDebianCommand } from "../local/install.js";

export const podmanGlobalFlags = ["--cgroup-manager=cgroupfs", "--runtime", "runc"] as const;
export const lowUlimits = ["--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"] as const;

/** Installs podman (with buildah, which it builds with) and runc from Debian when missing. */
export function ensurePodman(): void {
  ensureDebianCommand("podman", "podman");
  ensureDebianCommand("buildah", "buildah");
  ensureDebianCommand("runc", "runc");
}

export interface PodmanResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function podman(args: readonly string[], opts: { input?: Buffer; inherit?: boolean } = {}): PodmanResult {
  const out = spawnSync("podman", [...podmanGlobalFlags, ...args], {
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    ...(opts.input ? { input: opts.input } : {}),
    stdio: opts.inherit ? ["ignore", "inherit", "inherit"] : "pipe",
  });
  return { status: out.status ?? -1, stdout: out.stdout ?? "", stderr: out.stderr ?? "" };
}

/** Like podman(), but throws with podman's own message when it fails. */
export function podmanOk(args: readonly string[], opts: { inherit?: boolean } = {}): string {
  const out = podman(args, opts);
  if (out.status !== 0) throw new Error(`podman ${args.slice(0, 2).join(" ")} failed (exit ${out.status}): ${out.stderr.trim()}`);
  return out.stdout;
}

export function imageExists(ref: string): boolean {
  return podman(["image", "exists", ref]).status === 0;
}
