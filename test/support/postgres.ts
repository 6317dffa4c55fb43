import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readdirSync } from "node:fs";
import { ensureDebianCommand } from "../../scripts/local/install.js";

const host = "127.0.0.1";
const port = 5432;

function psql(sql: string, database = "postgres"): { ok: boolean; out: string } {
  const res = spawnSync("psql", ["-h", host, "-p", String(port), "-U", "postgres", "-d", database, "-v", "ON_ERROR_STOP=1", "-Atc", sql], {
    encoding: "utf8",
  });
  return { ok: res.status === 0, out: `${res.stdout}${res.stderr}` };
}

function ready(): boolean {
  return spawnSync("pg_isready", ["-h", host, "-p", String(port)], { stdio: "ignore" }).status === 0;
}

/**
 * Makes sure a PostgreSQL server answers on its standard loopback port (installing and starting
 * Debian's when it is missing) and creates a fresh database for one test file.
 */
export async function createTestDatabase(): Promise<{ connectionString: string; drop: () => void }> {
  ensureDebianCommand("psql", "postgresql");
  if (!ready()) {
    for (const version of readdirSync("/etc/postgresql")) {
      spawnSync("pg_ctlcluster", ["--skip-systemctl-redirect", version, "main", "start"], { stdio: "inherit" });
    }
    for (let i = 0; i < 50 && !ready(); i++) await new Promise((r) => setTimeout(r, 200));
    if (!ready()) throw new Error(`PostgreSQL is not answering on ${host}:${port}`);
  }
  const database = `meridian_test_${randomBytes(4).toString("hex")}`;
  const created = psql(`CREATE DATABASE ${database}`);
  if (!created.ok) throw new Error(`cannot create database ${database}: ${created.out}`);
  return {
    connectionString: `host=${host} port=${port} user=postgres dbname=${database} sslmode=disable`,
    drop: () => void psql(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`),
  };
}
