import { spawnSync } from "node:child_process";

function has(command: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" }).status === 0;
}

let aptUpdated = false;

/**
 * Makes sure a command from a Debian package is on PATH, installing the package when it is
 * missing (the project's set-up must work on a fresh machine). Needs root, as CI has.
 */
export function ensureDebianCommand(command: string, pkg: string): void {
  if (has(command)) return;
  if (process.getuid?.() !== 0) throw new Error(`${command} is missing: install the Debian package ${pkg} (apt-get install ${pkg})`);
  process.stderr.write(`[setup] installing ${pkg} with apt-get...\n`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  if (!aptUpdated) {
    spawnSync("apt-get", ["update", "-qq"], { stdio: "inherit", env });
    aptUpdated = true;
  }
  const res = spawnSync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", pkg], { stdio: "inherit", env });
  if (res.status !== 0 || !has(command)) throw new Error(`could not install ${pkg} (apt-get exit ${res.status})`);
}
