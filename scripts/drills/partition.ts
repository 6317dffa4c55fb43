/**
 * Partition drill: cut only the replication links (both directions), keep writing in every
 * region, heal, and converge with nothing lost and no side effect doubled.
 */
import type { SystemHandle } from "../local/system.js";
import { backlog, converge, effects, finalStatuses, orderStatus, place, setStock } from "./probes.js";

export interface PartitionReport {
  readonly placed: Record<string, number>;
  readonly present: Record<string, number>;
  readonly convergeMs: number;
  /** Per region: what each peer had not applied of its orders, while cut and after converging. */
  readonly backlogWhileCut: Record<string, Record<string, number>>;
  readonly backlogAfter: Record<string, Record<string, number>>;
  readonly effects: Awaited<ReturnType<typeof effects>>;
}

/**
 * True when every region reports a backlog for each of its peers (every other region) and each
 * satisfies `holds`. A region that reports no entry for a peer has not measured it yet (a
 * replicator that has not set the gauge, a scrape that found none): that is not complete, or an
 * empty report `{}` would pass any check vacuously.
 */
export function everyPeerBacklog(
  backlogs: Readonly<Record<string, Readonly<Record<string, number>>>>,
  regions: readonly string[],
  holds: (region: string, backlog: number) => boolean,
): boolean {
  return regions.every((region) =>
    regions
      .filter((peer) => peer !== region)
      .every((peer) => {
        const n = backlogs[region]?.[peer];
        return n !== undefined && holds(region, n);
      }),
  );
}

export async function partitionDrill(
  system: SystemHandle,
  opts: { ordersPerRegion: number; convergeTimeoutMs: number; log?: (line: string) => void },
): Promise<PartitionReport> {
  const log = opts.log ?? (() => {});
  const sku = `part-${Date.now().toString(36)}`;
  for (const region of system.regions) await setStock(region, sku, 1_000_000);
  const names = system.regions.map((r) => r.name);
  const links = names.flatMap((from) => names.filter((to) => to !== from).map((to) => system.link(from, to)));

  log(`cutting ${links.length} replication links`);
  for (const link of links) link.cut();
  const placed = new Map<string, string>();
  for (let i = 0; i < opts.ordersPerRegion; i++) {
    for (const region of system.regions) {
      const id = await place(region, `part-${sku}-${region.name}-${i}`, sku);
      if (!id) throw new Error(`${region.name} refused an order while only the links were cut`);
      placed.set(id, region.name);
    }
  }
  // Each region serves its own orders while cut off: every saga completes at home (two order
  // events each: placed, confirmed), and the peers' backlog builds up by exactly those events.
  const settleBy = Date.now() + opts.convergeTimeoutMs;
  for (const [id, home] of placed) {
    while (!finalStatuses.includes((await orderStatus(system.region(home), id))?.status ?? "") && Date.now() < settleBy)
      await new Promise((r) => setTimeout(r, 100));
  }
  // The lake counts each event in the transaction that archives it, a moment after the view (more
  // than a moment on a broker that delivers serially, or on a loaded machine): wait until every
  // peer's backlog holds the two events of each order placed while cut, for at most 15 s.
  const placedHere = (name: string): number => [...placed.values()].filter((home) => home === name).length;
  const readBacklogs = async () =>
    Object.fromEntries(await Promise.all(system.regions.map(async (r) => [r.name, await backlog(r)] as const)));
  let backlogWhileCut = await readBacklogs();
  for (let waited = 0; waited < 15_000; waited += 500) {
    if (everyPeerBacklog(backlogWhileCut, names, (region, n) => n >= 2 * placedHere(region))) break;
    await new Promise((r) => setTimeout(r, 500));
    backlogWhileCut = await readBacklogs();
  }
  log(`healing the links`);
  for (const link of links) link.heal();
  const { ms, digests } = await converge(system, placed.size, opts.convergeTimeoutMs);
  // Acknowledgements come every second: give the last ones time to arrive.
  let backlogAfter: Record<string, Record<string, number>> = {};
  for (let i = 0; i < 20; i++) {
    backlogAfter = Object.fromEntries(await Promise.all(system.regions.map(async (r) => [r.name, await backlog(r)] as const)));
    if (everyPeerBacklog(backlogAfter, names, (_, n) => n === 0)) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  const placedBy: Record<string, number> = {};
  for (const home of placed.values()) placedBy[home] = (placedBy[home] ?? 0) + 1;
  return {
    placed: placedBy,
    present: Object.fromEntries(digests.map((d) => [d!.region, d!.orders])),
    convergeMs: ms,
    backlogWhileCut,
    backlogAfter,
    effects: await effects(system, placed, sku),
  };
}
