/**
 * A region's state stores on this machine, per profile: the region's own redis-server, or a
 * database of its own on the machine's PostgreSQL or MariaDB (with, on MariaDB, a user allowed
 * only there). Dropped when the system stops: every run starts empty, like its redis-servers.
 */
import { randomBytes } from "node:crypto";
import type { StoreConnection } from "../../platform/dapr/state.js";
import type { Connected } from "./brokers.js";
import { type Command, ensureMariadb, ensurePostgres, hostServices, mariadb, mariadbCommand, psql, run } from "./host-services.js";
import type { LocalStateProfile } from "./profiles.js";
import type { RedisHandle } from "./redis.js";

export interface LocalStore {
  readonly profile: LocalStateProfile;
  connect(): Connected<StoreConnection>;
  dispose(): void;
}

const secretKey = (region: string): string => `store-${region}`;

/** A SQL identifier for a region and run: region names are DNS labels, whose dashes SQL does not take. */
const sqlName = (runId: string, region: string): string => `meridian_${runId}_${region.replace(/-/g, "_")}`;

/**
 * A region's MariaDB database and its user, who may use that database only (Dapr's component
 * creates the tables). The SQL holds the password, so it goes on stdin (mariadbCommand).
 */
export function mysqlRegionCommand(database: string, user: string, password: string): Command {
  return mariadbCommand(
    [
      `CREATE DATABASE ${database};`,
      `CREATE USER '${user}'@'127.0.0.1' IDENTIFIED BY '${password}';`,
      `GRANT ALL ON ${database}.* TO '${user}'@'127.0.0.1';`,
      "",
    ].join("\n"),
  );
}

export async function startStore(profile: LocalStateProfile, region: string, runId: string, redis: () => RedisHandle): Promise<LocalStore> {
  const key = secretKey(region);
  switch (profile) {
    case "redis":
      return {
        profile,
        connect: () => ({
          connection: { profile: "redis", address: { host: "127.0.0.1", port: redis().port }, password: { name: key, key } },
          secrets: { [key]: redis().password },
        }),
        dispose: () => {},
      };
    case "postgresql": {
      await ensurePostgres();
      const database = sqlName(runId, region);
      const created = psql(`CREATE DATABASE ${database}`);
      if (!created.ok) throw new Error(`cannot create database ${database}: ${created.out}`);
      const { host, port } = hostServices.postgresql;
      return {
        profile,
        connect: () => ({
          connection: { profile: "postgresql", connectionString: { name: key, key } },
          // Loopback connections are trusted by Debian's default pg_hba; the database is the region's own.
          secrets: { [key]: `host=${host} port=${port} user=postgres dbname=${database} sslmode=disable` },
        }),
        dispose: () => void psql(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`),
      };
    }
    case "mysql": {
      await ensureMariadb();
      const database = sqlName(runId, region);
      const user = database;
      const password = randomBytes(24).toString("hex");
      const { host, port } = hostServices.mysql;
      run(mysqlRegionCommand(database, user, password));
      return {
        profile,
        connect: () => ({
          connection: { profile: "mysql", connectionString: { name: key, key }, database },
          secrets: { [key]: `${user}:${password}@tcp(${host}:${port})/` },
        }),
        dispose: () => {
          try {
            mariadb(`DROP DATABASE IF EXISTS ${database}; DROP USER IF EXISTS '${user}'@'127.0.0.1'`);
          } catch (err) {
            process.stderr.write(`warning: could not drop MariaDB database ${database}: ${String(err)}\n`);
          }
        },
      };
    }
  }
}
