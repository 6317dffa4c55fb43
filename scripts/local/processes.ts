import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, mkdirSync } from "node:fs";
import { dirname } from "node:path";

export interface Spawned {
  readonly name: string;
  readonly child: ChildProcess;
  readonly logFile: string;
  /** Resolves with the exit code (or signal) once the process has ended. */
  readonly exited: Promise<number | string>;
}

/** Environment variables that hold a secret: DAPR_API_TOKEN, APP_API_TOKEN, ADMIN_TOKEN, …_PASSWORD. */
const secretVariable = /(TOKEN|PASSWORD|PASSWD|SECRET)$/i;

/**
 * Throws when a secret of the child's environment is also on its command line, which anyone on
 * the machine can read (`ps`, /proc/<pid>/cmdline): daprd, for one, takes its tokens from the
 * environment, a broker its password from a 0600 file.
 */
export function refuseSecretsInArgs(name: string, args: readonly string[], env: NodeJS.ProcessEnv): void {
  const leaked = Object.entries(env)
    .filter(([key, value]) => secretVariable.test(key) && value !== undefined && value.length >= 8)
    .filter(([, value]) => args.some((arg) => arg.includes(value!)))
    .map(([key]) => key);
  if (leaked.length > 0) {
    throw new Error(`${name}: the value of ${leaked.join(", ")} is on its command line, which anyone on the machine can read`);
  }
}

/**
 * Every process the runner or a test starts, so that all of them, and only them, are stopped by
 * PID. Output goes to one log file per process.
 */
export class ProcessGroup {
  private readonly members: Spawned[] = [];
  private readonly onExit = (): void => {
    // Last resort if our own process dies without stop(): no child may outlive us.
    for (const m of this.members) if (m.child.exitCode === null && m.child.signalCode === null) m.child.kill("SIGKILL");
  };

  constructor() {
    process.on("exit", this.onExit);
  }

  spawn(name: string, command: string, args: readonly string[], env: NodeJS.ProcessEnv, logFile: string): Spawned {
    refuseSecretsInArgs(name, args, env);
    mkdirSync(dirname(logFile), { recursive: true });
    const log = createWriteStream(logFile, { flags: "a" });
    // detached: a Ctrl-C in the terminal reaches only us, and we stop children in order.
    const child = spawn(command, args, { env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    // Two sources into one file: neither may end it (by default pipe() ends its destination when
    // its source ends, and the other's next line was then a write after end, an uncaught error
    // in whoever ran us). The file ends once both have closed.
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    child.once("close", () => log.end());
    const exited = new Promise<number | string>((resolve) => {
      child.once("exit", (code, signal) => resolve(code ?? signal ?? "unknown"));
      child.once("error", (err) => {
        log.write(`spawn failed: ${err.message}\n`);
        resolve("spawn-error");
      });
    });
    const member = { name, child, logFile, exited };
    this.members.push(member);
    return member;
  }

  get pids(): number[] {
    return this.members.flatMap((m) => (m.child.pid !== undefined ? [m.child.pid] : []));
  }

  running(): Spawned[] {
    return this.members.filter((m) => m.child.exitCode === null && m.child.signalCode === null);
  }

  /** SIGTERM, then SIGKILL after `graceMs` for whatever has not exited. */
  static async stop(members: readonly Spawned[], graceMs = 8000): Promise<void> {
    const alive = members.filter((m) => m.child.exitCode === null && m.child.signalCode === null);
    for (const m of alive) m.child.kill("SIGTERM");
    const timer = new Promise<"timeout">((r) => setTimeout(() => r("timeout"), graceMs).unref());
    await Promise.all(
      alive.map(async (m) => {
        if ((await Promise.race([m.exited, timer])) === "timeout") {
          m.child.kill("SIGKILL");
          await m.exited;
        }
      }),
    );
  }

  /** Stops members in the given order of groups (e.g. services before their brokers). */
  async stopAll(order: (m: Spawned) => number = () => 0): Promise<void> {
    const ranks = [...new Set(this.members.map(order))].sort((a, b) => a - b);
    for (const rank of ranks) await ProcessGroup.stop(this.members.filter((m) => order(m) === rank));
    process.off("exit", this.onExit);
  }
}
