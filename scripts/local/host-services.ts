/**
 * Brokers and stores that run once per machine on their standard loopback ports (PostgreSQL 5432,
 * MariaDB 3306, RabbitMQ 5672): each region gets its own database or virtual host on them. Each
 * `ensure…` installs Debian's package and starts the service when it is not answering, so a fresh
 * machine (CI) runs every profile too.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { connect } from "node:net";
import { ensureDebianCommand } from "./install.js";
import { waitFor } from "./ports.js";

export const hostServices = {
  postgresql: { host: "127.0.0.1", port: 5432 },
  mysql: { host: "127.0.0.1", port: 3306 },
  rabbitmq: { host: "127.0.0.1", port: 5672 },
} as const;

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.setTimeout(1000, () => socket.destroy());
    socket.once("connect", () => {
      socket.end();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
    socket.once("close", () => resolve(false));
  });
}

/** Starts a Debian service through its init script (there is no systemd in the sandbox or CI). */
function startService(name: string): void {
  const res = spawnSync("service", [name, "start"], { stdio: "inherit" });
  if (res.status !== 0 && existsSync(`/etc/init.d/${name}`)) spawnSync(`/etc/init.d/${name}`, ["start"], { stdio: "inherit" });
}

async function ensureAnswering(what: string, port: number, start: () => void, timeoutMs: number): Promise<void> {
  if (await answers(port)) return;
  start();
  await waitFor(`${what} on 127.0.0.1:${port}`, () => answers(port), timeoutMs, 250);
}

export async function ensurePostgres(): Promise<void> {
  ensureDebianCommand("psql", "postgresql");
  await ensureAnswering(
    "PostgreSQL",
    hostServices.postgresql.port,
    () => {
      for (const version of readdirSync("/etc/postgresql")) {
        spawnSync("pg_ctlcluster", ["--skip-systemctl-redirect", version, "main", "start"], { stdio: "inherit" });
      }
    },
    15_000,
  );
}

export async function ensureMariadb(): Promise<void> {
  ensureDebianCommand("mariadb", "mariadb-server");
  await ensureAnswering("MariaDB", hostServices.mysql.port, () => startService("mariadb"), 60_000);
}

export async function ensureRabbitmq(): Promise<void> {
  ensureDebianCommand("rabbitmqctl", "rabbitmq-server");
  await ensureAnswering("RabbitMQ", hostServices.rabbitmq.port, () => startService("rabbitmq-server"), 120_000);
}

/**
 * A command to run once. Anyone on the machine can read a process's argv (`ps`,
 * /proc/<pid>/cmdline), so a secret it needs goes in `stdin`, never in `args`.
 */
export interface Command {
  readonly command: string;
  readonly args: readonly string[];
  readonly stdin?: string;
}

/** Runs a command to its end; its output, or an error with what it said on failure. */
export function run(c: Command): string {
  const res = spawnSync(c.command, c.args, { encoding: "utf8", ...(c.stdin === undefined ? {} : { input: c.stdin }) });
  if (res.status !== 0)
    throw new Error(`${[c.command, ...c.args].join(" ")}: ${res.stderr?.trim() || res.stdout?.trim() || res.error?.message}`);
  return res.stdout;
}

/**
 * SQL as MariaDB's root (local socket auth, as Debian installs it), on stdin: it may create a
 * user with a password. A failed statement is not echoed, so no password reaches an error message.
 */
export const mariadbCommand = (sql: string): Command => ({
  command: "mariadb",
  args: ["-uroot", "--skip-print-query-on-error"],
  stdin: sql,
});

export function mariadb(sql: string): void {
  run(mariadbCommand(sql));
}

/** Runs SQL as PostgreSQL's superuser over loopback (trust authentication). */
export function psql(sql: string, database = "postgres"): { ok: boolean; out: string } {
  const res = spawnSync("psql", ["-h", "127.0.0.1", "-p", "5432", "-U", "postgres", "-d", database, "-v", "ON_ERROR_STOP=1", "-Atc", sql], {
    encoding: "utf8",
  });
  return { ok: res.status === 0, out: `${res.stdout}${res.stderr}` };
}

/** `stdin`: what a command reads there, such as add_user's password when the argument is left out. */
export const rabbitmqctlCommand = (args: readonly string[], stdin?: string): Command => ({
  command: "rabbitmqctl",
  args: ["-q", ...args],
  ...(stdin === undefined ? {} : { stdin }),
});

export function rabbitmqctl(...args: string[]): string {
  return run(rabbitmqctlCommand(args));
}
