/**
 * A nats-server of our own per region, with JetStream and a per-run authorization token, and the
 * few JetStream API requests the runner and the tests make (create streams, read a stream's
 * messages and a consumer's position). Dapr's JetStream component creates no streams, so the
 * broker's owner does, one per topic. Plain NATS protocol over one TCP connection: no client
 * library for a handful of requests.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { type Socket, connect } from "node:net";
import { join } from "node:path";
import { ensureDebianCommand } from "./install.js";
import { freePort, waitFor } from "./ports.js";
import type { ProcessGroup, Spawned } from "./processes.js";

export interface NatsHandle {
  readonly port: number;
  readonly token: string;
  readonly process: Spawned;
}

export function newNatsToken(): string {
  return randomBytes(24).toString("hex");
}

/** Starts nats-server with JetStream on a free loopback port (or `port`), its store in `dataDir`. */
export async function startNats(group: ProcessGroup, name: string, dataDir: string, token: string, port?: number): Promise<NatsHandle> {
  ensureDebianCommand("nats-server", "nats-server");
  const p = port ?? (await freePort());
  mkdirSync(dataDir, { recursive: true });
  // The token goes in a file only we can read, not on the command line where `ps` shows it.
  const configFile = join(dataDir, "..", `${name}.conf`);
  writeFileSync(
    configFile,
    [`host: "127.0.0.1"`, `port: ${p}`, `jetstream { store_dir: "${dataDir}" }`, `authorization { token: "${token}" }`, ""].join("\n"),
    { mode: 0o600 },
  );
  const proc = group.spawn(name, "nats-server", ["-c", configFile], process.env, join(dataDir, "..", `${name}.log`));
  await waitFor(`${name} on port ${p}`, async () => (await natsRequest(p, token, "$JS.API.INFO", {}))["type"] !== undefined, 15_000, 100);
  return { port: p, token, process: proc };
}

type Reply = Record<string, unknown> & { error?: { code: number; description: string } };

/** One connection that sends JetStream API requests (and plain publishes) and reads their replies. */
export class NatsConnection {
  private buffer = Buffer.alloc(0);
  private readonly waiting: ((payload: Buffer) => void)[] = [];
  private failed: Error | undefined;

  private constructor(private readonly socket: Socket) {}

  static open(port: number, token: string, timeoutMs = 3000): Promise<NatsConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: "127.0.0.1", port });
      const conn = new NatsConnection(socket);
      socket.setTimeout(timeoutMs, () => socket.destroy(new Error("nats: timeout")));
      socket.once("error", reject);
      socket.once("data", () => {
        // INFO first; then CONNECT, and one inbox subscription for every reply.
        socket.write(`CONNECT ${JSON.stringify({ auth_token: token, verbose: false, pedantic: false, headers: false })}\r\n`);
        socket.write("SUB _INBOX.meridian 1\r\nPING\r\n");
        socket.on("data", (d) => conn.receive(d));
        conn.waitPong().then(() => {
          socket.setTimeout(0);
          socket.off("error", reject);
          socket.on("error", (err) => (conn.failed = err));
          resolve(conn);
        }, reject);
      });
    });
  }

  private pong: (() => void) | undefined;
  private pongFailed: ((err: Error) => void) | undefined;

  private waitPong(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pong = resolve;
      this.pongFailed = reject;
    });
  }

  private receive(data: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, data]);
    for (;;) {
      const end = this.buffer.indexOf("\r\n");
      if (end < 0) return;
      const line = this.buffer.subarray(0, end).toString("utf8");
      if (line.startsWith("MSG ")) {
        const size = Number(line.split(" ").pop());
        if (this.buffer.length < end + 2 + size + 2) return;
        const payload = this.buffer.subarray(end + 2, end + 2 + size);
        this.buffer = this.buffer.subarray(end + 2 + size + 2);
        this.waiting.shift()?.(payload);
        continue;
      }
      this.buffer = this.buffer.subarray(end + 2);
      if (line === "PING") this.socket.write("PONG\r\n");
      else if (line === "PONG") this.pong?.();
      else if (line.startsWith("-ERR")) {
        const err = new Error(`nats: ${line}`);
        this.failed = err;
        this.pongFailed?.(err);
      }
    }
  }

  /** A request to `subject` with a JSON body; replies come back in order, one per request. */
  request(subject: string, body: unknown, timeoutMs = 5000): Promise<Reply> {
    return this.send(subject, Buffer.from(JSON.stringify(body)), timeoutMs);
  }

  /** Publishes raw bytes to a subject and waits for the stream's acknowledgement. */
  publish(subject: string, data: Buffer): Promise<Reply> {
    return this.send(subject, data, 5000);
  }

  private send(subject: string, payload: Buffer, timeoutMs: number): Promise<Reply> {
    if (this.failed) return Promise.reject(this.failed);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`nats: no reply to ${subject}`)), timeoutMs);
      this.waiting.push((reply) => {
        clearTimeout(timer);
        resolve(JSON.parse(reply.toString("utf8")) as Reply);
      });
      this.socket.write(Buffer.concat([Buffer.from(`PUB ${subject} _INBOX.meridian ${payload.length}\r\n`), payload, Buffer.from("\r\n")]));
    });
  }

  close(): void {
    this.socket.end();
  }
}

/** One request on a connection of its own. */
export async function natsRequest(port: number, token: string, subject: string, body: unknown): Promise<Reply> {
  const conn = await NatsConnection.open(port, token);
  try {
    return await conn.request(subject, body);
  } finally {
    conn.close();
  }
}

/** A file-backed stream per subject, kept by limits (nothing expires): the saga's topics are its log. */
export async function ensureStreams(port: number, token: string, subjects: readonly string[]): Promise<void> {
  const conn = await NatsConnection.open(port, token);
  try {
    for (const subject of subjects) {
      const config = {
        name: streamNameOf(subject),
        subjects: [subject],
        retention: "limits",
        storage: "file",
        discard: "old",
        num_replicas: 1,
      };
      const reply = await conn.request(`$JS.API.STREAM.CREATE.${config.name}`, config);
      // A region started again on its data finds its streams there.
      if (reply.error && !/already in use/.test(reply.error.description)) {
        throw new Error(`cannot create stream for ${subject}: ${reply.error.description}`);
      }
    }
  } finally {
    conn.close();
  }
}

/** Stream names may not hold `.`, `*` or `>`; topic names here never do, so a stream is named as its topic. */
export function streamNameOf(subject: string): string {
  if (/[.*>\s]/.test(subject)) throw new Error(`topic ${subject} cannot name a JetStream stream`);
  return subject;
}

/** Every message a stream holds, as stored (the CloudEvent bytes Dapr published). */
export async function streamMessages(port: number, token: string, subject: string): Promise<Buffer[]> {
  const conn = await NatsConnection.open(port, token);
  try {
    const info = await conn.request(`$JS.API.STREAM.INFO.${streamNameOf(subject)}`, {});
    const state = info["state"] as { first_seq: number; last_seq: number; messages: number } | undefined;
    if (!state || state.messages === 0) return [];
    const out: Buffer[] = [];
    for (let seq = state.first_seq; seq <= state.last_seq; seq++) {
      const got = await conn.request(`$JS.API.STREAM.MSG.GET.${streamNameOf(subject)}`, { seq });
      const message = got["message"] as { data?: string } | undefined;
      if (message?.data) out.push(Buffer.from(message.data, "base64"));
    }
    return out;
  } finally {
    conn.close();
  }
}

/** Publishes raw messages to a subject (the stream stores them as new messages). */
export async function republish(port: number, token: string, subject: string, messages: readonly Buffer[]): Promise<void> {
  const conn = await NatsConnection.open(port, token);
  try {
    for (const m of messages) {
      const ack = await conn.publish(subject, m);
      if (ack.error) throw new Error(`republish to ${subject}: ${ack.error.description}`);
    }
  } finally {
    conn.close();
  }
}
