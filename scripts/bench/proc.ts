/**
 * CPU time and memory of processes, from /proc: what each daprd and each service costs, without
 * instrumenting them.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

export interface ProcReading {
  readonly cpuSeconds: number;
  readonly rssMb: number;
  /** Peak resident set since the process started (VmHWM). */
  readonly peakRssMb: number;
  /**
   * Resident pages only this process holds (Private_Clean + Private_Dirty of smaps_rollup): the
   * resident set without the pages it shares, such as the binary's text mapped by every daprd.
   * What one more sidecar really adds to a node.
   */
  readonly privateMb: number;
}

let ticksPerSecond: number | undefined;
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** undefined when the process has gone. */
export function readProc(pid: number): ProcReading | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name may hold spaces and parentheses: fields are counted after its closing ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0);
    const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
    const inRollup = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(rollup)?.[1] ?? 0);
    return {
      cpuSeconds: (utime + stime) / clockTicks(),
      rssMb: kb("VmRSS") / 1024,
      peakRssMb: kb("VmHWM") / 1024,
      privateMb: (inRollup("Private_Clean") + inRollup("Private_Dirty")) / 1024,
    };
  } catch {
    return undefined;
  }
}

export interface Watched {
  readonly name: string;
  /** daprd, service, broker, Dapr's placement and scheduler, or the load generator itself. */
  readonly kind: "daprd" | "service" | "broker" | "control-plane" | "bench";
  readonly region: string;
  readonly pid: number;
}

export interface Usage extends Watched {
  readonly cpuSeconds: number;
  readonly peakRssMb: number;
  readonly privateMb: number;
}

/** CPU used between two snapshots, and the memory (peak, and private now) seen at the second. */
export function usageBetween(before: ReadonlyMap<number, ProcReading>, watched: readonly Watched[]): Usage[] {
  return watched.flatMap((w) => {
    const start = before.get(w.pid);
    const end = readProc(w.pid);
    if (!start || !end) return [];
    return [{ ...w, cpuSeconds: end.cpuSeconds - start.cpuSeconds, peakRssMb: end.peakRssMb, privateMb: end.privateMb }];
  });
}

export function snapshot(watched: readonly Watched[]): Map<number, ProcReading> {
  return new Map(
    watched.flatMap((w) => {
      const r = readProc(w.pid);
      return r ? [[w.pid, r] as const] : [];
    }),
  );
}
