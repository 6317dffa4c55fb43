/**
 * Failover and failback drill: with traffic flowing, stop all of one region (broker, sidecars,
 * services); the others keep taking orders and serving every order already replicated; start it
 * again; it catches up from durable positions and all regions converge.
 */
import type { SystemHandle } from "../local/system.js";
import { converge, effects, orderStatus, place, setStock } from "./probes.js";

export interface FailoverReport {
  readonly placed: Record<string, number>;
  readonly refusedWhileDown: number;
  readonly replicatedReadableWhileDown: number;
  readonly replicatedBeforeStop: number;
  readonly present: Record<string, number>;
  readonly convergeMs: number;
  readonly effects: Awaited<ReturnType<typeof effects>>;
}

export interface FailoverOptions {
  readonly victim: string;
  readonly ordersPerPhase: number;
  readonly convergeTimeoutMs: number;
  readonly log?: (line: string) => void;
}

export async function failoverDrill(system: SystemHandle, opts: FailoverOptions): Promise<FailoverReport> {
  const log = opts.log ?? (() => {});
  const sku = `drill-${Date.now().toString(36)}`;
  for (const region of system.regions) await setStock(region, sku, 1_000_000);
  const survivors = system.regions.filter((r) => r.name !== opts.victim);
  const victim = system.region(opts.victim);
  const placed = new Map<string, string>();
  let seq = 0;
  const traffic = async (regions: typeof system.regions): Promise<number> => {
    let refused = 0;
    for (let i = 0; i < opts.ordersPerPhase; i++) {
      for (const region of regions) {
        const id = await place(region, `drill-${sku}-${seq++}`, sku);
        if (id) placed.set(id, region.name);
        else refused++;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    return refused;
  };

  log(`phase 1: traffic to every region`);
  await traffic(system.regions);
  // What the survivors already hold of the victim's orders is what they must keep serving.
  await new Promise((r) => setTimeout(r, 3000));
  const victimOrders = [...placed].filter(([, home]) => home === victim.name).map(([id]) => id);
  const replicated: string[] = [];
  for (const id of victimOrders) if (await orderStatus(survivors[0]!, id)) replicated.push(id);

  log(`phase 2: stopping all of ${victim.name}; traffic continues everywhere (${victim.name} refuses)`);
  await system.stopRegion(victim.name);
  const refusedWhileDown = await traffic(system.regions);
  let readable = 0;
  for (const id of replicated) if (await orderStatus(survivors[0]!, id)) readable++;

  log(`phase 3: starting ${victim.name} again`);
  await system.startRegion(victim.name);
  await traffic(system.regions);

  log(`converging ${placed.size} orders`);
  const { ms, digests } = await converge(system, placed.size, opts.convergeTimeoutMs);
  const placedBy: Record<string, number> = {};
  for (const home of placed.values()) placedBy[home] = (placedBy[home] ?? 0) + 1;
  return {
    placed: placedBy,
    refusedWhileDown,
    replicatedBeforeStop: replicated.length,
    replicatedReadableWhileDown: readable,
    present: Object.fromEntries(digests.map((d) => [d!.region, d!.orders])),
    convergeMs: ms,
    effects: await effects(system, placed, sku),
  };
}
