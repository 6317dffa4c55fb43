/**
 * What a fault left behind, judged from outside: every accepted order final at home and the same
 * in every other region, no effect twice, the catalogue listing every stream, equal digests.
 */
import { type Digest, asOperator, digest, effects, finalStatuses, orderStatus, patientGet } from "../drills/probes.js";
import { deadLetterRedrive } from "../../platform/topology.js";
import type { RegionHandle, SystemHandle } from "../local/system.js";
import type { Placed } from "./load.js";

export interface Verdict {
  readonly accepted: number;
  readonly final: number;
  /** Accepted, but its stream is gone from its home region. */
  readonly lost: number;
  /** Accepted and kept, but not final (or not replicated) when the wait ran out. */
  readonly stuck: number;
  /** Effects that happened twice or in the wrong region: payments, reservations, events in a stream. */
  readonly doubled: number;
  /** Accepted orders a region's catalogue does not list. */
  readonly uncatalogued: number;
  /** Faults not redriven (automatically or by hand) once the phase settled, in every region. */
  readonly openDeadLetters: number;
  readonly digestsEqual: boolean;
  readonly notes: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function adminJson<T>(region: RegionHandle, path: string): Promise<T | undefined> {
  const res = await patientGet<T>(`${region.adminUrl}${path}`, { headers: { authorization: `Bearer ${region.adminToken}` } }).catch(
    () => undefined,
  );
  return res?.status === 200 ? res.body : undefined;
}

async function streamOf(region: RegionHandle, orderId: string): Promise<{ type: string }[] | undefined> {
  const res = await patientGet<{ events: { type: string }[] }>(
    `${region.adminUrl}/admin/orders/${orderId}/events`,
    asOperator(region),
  ).catch(() => undefined);
  return res?.status === 200 ? res.body.events : undefined;
}

/** Waits until every accepted order is final at home and shows the same status everywhere. */
async function settle(system: SystemHandle, orders: readonly Placed[], timeoutMs: number): Promise<Set<string>> {
  const pending = new Set(orders.map((o) => o.orderId));
  const until = Date.now() + timeoutMs;
  while (pending.size > 0 && Date.now() < until) {
    for (const o of orders) {
      if (!pending.has(o.orderId)) continue;
      const home = await orderStatus(system.region(o.region), o.orderId);
      if (!home || !finalStatuses.includes(home.status)) continue;
      const everywhere = await Promise.all(system.regions.map((r) => orderStatus(r, o.orderId)));
      if (everywhere.every((s) => s?.status === home.status && s.version === home.version)) pending.delete(o.orderId);
    }
    if (pending.size > 0) await sleep(500);
  }
  return pending;
}

/** Equal digests in every region, each counting `expected` orders; waits for the last replicas. */
async function digestsAgree(
  system: SystemHandle,
  expected: number,
  timeoutMs: number,
): Promise<{ equal: boolean; seen: (Digest | undefined)[] }> {
  const until = Date.now() + timeoutMs;
  let seen: (Digest | undefined)[] = [];
  do {
    seen = await Promise.all(system.regions.map(digest));
    if (seen.every((d) => d && d.digest === seen[0]?.digest && d.orders === expected)) return { equal: true, seen };
    await sleep(500);
  } while (Date.now() < until);
  return { equal: false, seen };
}

interface OpenFault {
  readonly region: string;
  readonly subscriber: string;
  readonly reason: string;
}

/**
 * Waits for the redriver to close every fault. An order can turn final before its fault does:
 * the broker hands a dead-lettered message out again after processingTimeout, while the fault's
 * next redrive is up to deadLetterRedrive.maxDelayMs away (its backoff grew while the subscriber
 * was down). So a fault still open right after the orders settled is not yet a failure; one still
 * open after the longest backoff is. Returns those.
 */
async function deadLettersClosed(system: SystemHandle, timeoutMs: number): Promise<OpenFault[]> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const open: OpenFault[] = [];
    for (const region of system.regions) {
      const listed = await adminJson<{ faults: { status: string; subscriber: string; reason: string }[] }>(region, "/admin/dead-letters");
      for (const f of listed?.faults ?? [])
        if (f.status === "open") open.push({ region: region.name, subscriber: f.subscriber, reason: f.reason });
    }
    if (open.length === 0 || Date.now() >= until) return open;
    await sleep(1000);
  }
}

export async function judge(
  system: SystemHandle,
  orders: readonly Placed[],
  opts: { settleMs: number; expectedTotal: number },
): Promise<Verdict> {
  const notes: string[] = [];
  const notFinal = await settle(system, orders, opts.settleMs);
  let lost = 0;
  let doubled = 0;
  for (const o of orders) {
    const stream = await streamOf(system.region(o.region), o.orderId);
    if (!stream) {
      lost++;
      notes.push(`lost ${o.orderId} (${o.region})`);
      continue;
    }
    if (new Set(stream.map((e) => e.type)).size !== stream.length) {
      doubled++;
      notes.push(`${o.orderId}: an event type twice in its stream`);
    }
  }
  const stuck = [...notFinal].filter((id) => !notes.some((n) => n.startsWith(`lost ${id}`))).length;
  for (const id of [...notFinal].slice(0, 5)) notes.push(`not final everywhere: ${id}`);

  for (const sku of new Set(orders.map((o) => o.sku))) {
    const placed = new Map(orders.filter((o) => o.sku === sku).map((o) => [o.orderId, o.region]));
    const found = await effects(system, placed, sku);
    doubled += found.misplaced.length + found.stockMismatch.length;
    notes.push(...found.misplaced.slice(0, 3), ...found.stockMismatch.slice(0, 3));
  }

  let uncatalogued = 0;
  for (const region of system.regions) {
    const shards = new Map<string, Set<string>>();
    for (const o of orders) {
      const shard = o.orderId.slice(0, 2);
      if (!shards.has(shard)) {
        const listed = await adminJson<{ orderIds: string[] }>(region, `/admin/catalog/${shard}`);
        shards.set(shard, new Set(listed?.orderIds ?? []));
      }
      if (!shards.get(shard)!.has(o.orderId)) uncatalogued++;
    }
  }
  const open = await deadLettersClosed(system, deadLetterRedrive.maxDelayMs + 2 * deadLetterRedrive.scanEveryMs);
  const openDeadLetters = open.length;
  notes.push(...open.slice(0, 3).map((f) => `open dead letter in ${f.region}: ${f.subscriber}: ${f.reason.slice(0, 120)}`));
  const digests = await digestsAgree(system, opts.expectedTotal, 30_000);
  if (!digests.equal)
    notes.push(`digests: ${JSON.stringify(digests.seen.map((d) => d && { region: d.region, orders: d.orders, byStatus: d.byStatus }))}`);
  return {
    accepted: orders.length,
    final: orders.length - notFinal.size,
    lost,
    stuck,
    doubled,
    uncatalogued,
    openDeadLetters,
    digestsEqual: digests.equal,
    notes,
  };
}
