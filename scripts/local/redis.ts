import { mkdirSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { ensureDebianCommand } from "./install.js";
import { freePort, waitFor } from "./ports.js";
import type { ProcessGroup, Spawned } from "./processes.js";

export interface RedisHandle {
  readonly port: number;
  readonly address: string;
  readonly process: Spawned;
}

/** Sends one inline command and resolves with the first reply line. */
export function redisCommand(port: number, command: string, timeoutMs = 1000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error("redis timeout")));
    socket.once("error", reject);
    socket.once("connect", () => socket.write(`${command}\r\n`));
    socket.once("data", (data) => {
      resolve(data.toString("utf8").split("\r\n")[0] ?? "");
      socket.end();
    });
  });
}

/**
 * A redis-server of our own on a free loopback port, with an append-only file so a restarted
 * broker keeps its streams (a region that comes back must not have lost its events).
 */
export async function startRedis(group: ProcessGroup, name: string, dataDir: string, port?: number): Promise<RedisHandle> {
  ensureDebianCommand("redis-server", "redis-server");
  const p = port ?? (await freePort());
  mkdirSync(dataDir, { recursive: true });
  const args = [
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
  await waitFor(`${name} on port ${p}`, async () => (await redisCommand(p, "PING")) === "+PONG", 10_000, 50);
  return { port: p, address: `127.0.0.1:${p}`, process: proc };
}
