import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { ensureDebianCommand } from "./install.js";
import { freePort, waitFor } from "./ports.js";
import type { ProcessGroup, Spawned } from "./processes.js";

export interface RedisHandle {
  readonly port: number;
  readonly address: string;
  /** Its `requirepass`: every client (daprd's components, tests, the benchmark) must AUTH. */
  readonly password: string;
  readonly process: Spawned;
}

/** A fresh broker password, one per region and run. */
export function newRedisPassword(): string {
  return randomBytes(24).toString("hex");
}

/** Sends one inline command (after AUTH when a password is given) and resolves with its first reply line. */
export function redisCommand(port: number, command: string, password?: string, timeoutMs = 1000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port });
    const commands = [...(password === undefined ? [] : [`AUTH ${password}`]), command];
    let received = "";
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error("redis timeout")));
    socket.once("error", reject);
    socket.once("connect", () => socket.write(commands.map((c) => `${c}\r\n`).join("")));
    socket.on("data", (data) => {
      received += data.toString("utf8");
      const lines = received.split("\r\n");
      if (lines.length <= commands.length) return;
      resolve(lines[commands.length - 1] ?? "");
      socket.end();
    });
  });
}

/**
 * A redis-server of our own on a free loopback port, with an append-only file so a restarted
 * broker keeps its streams (a region that comes back must not have lost its events).
 */
export async function startRedis(
  group: ProcessGroup,
  name: string,
  dataDir: string,
  password: string,
  port?: number,
): Promise<RedisHandle> {
  ensureDebianCommand("redis-server", "redis-server");
  const p = port ?? (await freePort());
  mkdirSync(dataDir, { recursive: true });
  // The password goes in a file only we can read, not on the command line where `ps` shows it.
  const configFile = join(dataDir, "..", `${name}.conf`);
  writeFileSync(configFile, `requirepass ${password}\n`, { mode: 0o600 });
  const args = [
    configFile,
    "--port",
    String(p),
    "--bind",
    "127.0.0.1",
    "--save",
    "",
    "--appendonly",
    "yes",
    "--appendfsync",
    "everysec",
    "--dir",
    dataDir,
    "--daemonize",
    "no",
  ];
  const proc = group.spawn(name, "redis-server", args, process.env, join(dataDir, "..", `${name}.log`));
  await waitFor(`${name} on port ${p}`, async () => (await redisCommand(p, "PING", password)) === "+PONG", 10_000, 50);
  return { port: p, address: `127.0.0.1:${p}`, password, process: proc };
}
