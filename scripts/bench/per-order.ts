/**
 * What one confirmed order costs, by process and by operation: CPU of every process, the
 * sidecars' operations by kind, and each region's Redis commands, read at the start and the end
 * of a window and divided by the orders confirmed in it.
 */
import { type SystemHandle, appReplicas } from "../local/system.js";
import { type ProcReading, type Watched, snapshot, usageBetween } from "./proc.js";
import { type CommandStat, type CommandStats, commandStatsDelta, readCommandStats } from "./redis-stats.js";
import { type OpCounts, type SidecarOpsRow, scrapeOps, subtractOps } from "./sidecar-ops.js";

interface Sidecar {
  readonly region: string;
  readonly app: string;
  readonly metricsPort: number;
}

export interface CostSnapshot {
  readonly cpu: ReadonlyMap<number, ProcReading>;
  readonly ops: readonly (Sidecar & { readonly counts: OpCounts })[];
  readonly redis: ReadonlyMap<string, CommandStats>;
}

export interface RedisRegionCost {
  readonly region: string;
  readonly commands: readonly ({ readonly command: string } & CommandStat)[];
}

export interface PerOrderCost {
  /** What the window spans. */
  readonly window: string;
  /** Orders placed in the window and confirmed in their home region. */
  readonly confirmedOrders: number;
  /** CPU milliseconds per confirmed order, by process. */
  readonly cpuMsPerOrder: readonly {
    readonly name: string;
    readonly kind: Watched["kind"];
    readonly region: string;
    readonly ms: number;
  }[];
  /** Every sidecar's operations in the window (totals; the report divides). */
  readonly sidecarOps: readonly SidecarOpsRow[];
  /** Each region's redis-server: calls and microseconds inside Redis in the window, by command. */
  readonly redis: readonly RedisRegionCost[];
}

/** Each app's instances in a region: the services' replicas, and the workflow app where it runs. */
function sidecarsOf(sys: SystemHandle): Sidecar[] {
  return sys.regions.flatMap((r) =>
    appReplicas(r).flatMap((rs) => rs.map((a) => ({ region: r.name, app: a.app, metricsPort: a.metricsPort }))),
  );
}

export async function costSnapshot(sys: SystemHandle, watched: readonly Watched[]): Promise<CostSnapshot> {
  const cpu = snapshot(watched);
  const ops = await Promise.all(sidecarsOf(sys).map(async (s) => ({ ...s, counts: await scrapeOps(s.metricsPort) })));
  const redis = new Map(
    await Promise.all(sys.regions.map(async (r) => [r.name, await readCommandStats(r.redis.port, r.redis.password)] as const)),
  );
  return { cpu, ops, redis };
}

export async function costSince(
  before: CostSnapshot,
  sys: SystemHandle,
  watched: readonly Watched[],
  confirmedOrders: number,
  window: string,
): Promise<PerOrderCost> {
  const after = await costSnapshot(sys, watched);
  const per = (v: number): number => (confirmedOrders > 0 ? v / confirmedOrders : Number.NaN);
  return {
    window,
    confirmedOrders,
    cpuMsPerOrder: usageBetween(before.cpu, watched).map((u) => ({
      name: u.name,
      kind: u.kind,
      region: u.region,
      ms: per(u.cpuSeconds * 1000),
    })),
    sidecarOps: after.ops.flatMap((a) => {
      const b = before.ops.find((o) => o.metricsPort === a.metricsPort);
      return b ? [{ region: a.region, app: a.app, ops: subtractOps(a.counts, b.counts) }] : [];
    }),
    redis: sys.regions.map((r) => ({
      region: r.name,
      commands: [...commandStatsDelta(before.redis.get(r.name) ?? new Map(), after.redis.get(r.name) ?? new Map())]
        .map(([command, s]) => ({ command, ...s }))
        .sort((a, b) => b.usec - a.usec),
    })),
  };
}

/** Every process of a started system whose CPU the benchmark reads, and the benchmark itself (the load generator). */
export function watchedProcesses(sys: SystemHandle): Watched[] {
  const watched: Watched[] = [{ name: "bench (load generator, link relays)", kind: "bench", region: "-", pid: process.pid }];
  for (const r of sys.regions) {
    if (r.redis.process.child.pid)
      watched.push({ name: `${r.name}/redis-server`, kind: "broker", region: r.name, pid: r.redis.process.child.pid });
    // Placement and scheduler run only for an orchestrated saga: their cost is the style's.
    for (const part of r.workflowControlPlane ? [r.workflowControlPlane.placement, r.workflowControlPlane.scheduler] : [])
      if (part.child.pid)
        watched.push({
          name: `${r.name}/${part.name.replace(`${r.name}-`, "")}`,
          kind: "control-plane",
          region: r.name,
          pid: part.child.pid,
        });
    // The workflow app too (orchestrated): its service and sidecar are the style's cost.
    for (const replicas of appReplicas(r))
      replicas.forEach((a, i) => {
        const name = `${r.name}/${a.app}${replicas.length > 1 ? `#${i}` : ""}`;
        if (a.service.child.pid) watched.push({ name, kind: "service", region: r.name, pid: a.service.child.pid });
        if (a.sidecar.child.pid) watched.push({ name: `${name} daprd`, kind: "daprd", region: r.name, pid: a.sidecar.child.pid });
      });
  }
  return watched;
}
