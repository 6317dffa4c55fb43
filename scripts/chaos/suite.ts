/**
 * The fault and security suite: each phase puts client-like load on both regions, injects one
 * fault (or attack) while the load runs, then judges what it left behind. Bounded in time, on
 * loopback only, and run on a system the caller started (and stops).
 */
import { Redis } from "ioredis";
import { apps, topics } from "../../platform/topology.js";
import { setStock } from "../drills/probes.js";
import type { SystemHandle } from "../local/system.js";
import { type AbuseReport, abuseSystem } from "./abuse.js";
import { type BadRequestReport, sendBadRequests } from "./bad-requests.js";
import { type Placed, runLoad } from "./load.js";
import { type ProbeReport, probeUnauthorised } from "./unauthorised.js";
import { type Verdict, judge } from "./verdict.js";

export interface PhaseResult extends Verdict {
  readonly phase: string;
  readonly seconds: number;
}

export interface ChaosReport {
  readonly phases: PhaseResult[];
  readonly badRequests: BadRequestReport;
  readonly unauthorised: ProbeReport;
  readonly abuse: AbuseReport;
  /** Every figure that must be 0 (or true), in one place. */
  readonly ok: boolean;
}

export interface ChaosOptions {
  readonly ordersPerSecond: number;
  readonly loadMs: number;
  /** How long the 'outage' phase keeps a service down. */
  readonly outageMs: number;
  /** An outage longer than the sidecar's retry budget (deliveryRetry.worstCaseMs): dead letters, then redrives. */
  readonly longOutageMs: number;
  readonly badRequests: number;
  /** How long a phase may take to settle: a message a killed sidecar held waits for the broker's processingTimeout. */
  readonly settleMs: number;
  readonly log: (line: string) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Fault {
  readonly name: string;
  /** Runs while the load does; `at` is when to strike, from the start of the load. */
  readonly at: number;
  readonly strike: (system: SystemHandle) => Promise<void>;
}

function faults(opts: ChaosOptions): Fault[] {
  return [
    { name: "broker kill -9 (east), back after 4 s", at: 2000, strike: (s) => s.crashBroker("east", 4000) },
    { name: "sidecar kill -9 mid-saga (east inventory)", at: 1500, strike: (s) => s.restart("east", apps.inventory, "sidecar") },
    { name: "service kill -9 mid-saga (east payments)", at: 1500, strike: (s) => s.restart("east", apps.payments, "service") },
    { name: "sidecar kill -9 mid-saga (west orders)", at: 1500, strike: (s) => s.restart("west", apps.orders, "sidecar") },
    {
      name: `service outage of ${opts.outageMs / 1000} s (east inventory)`,
      at: 1000,
      strike: async (s) => {
        await s.kill("east", apps.inventory, "service");
        await sleep(opts.outageMs);
        await s.revive("east", apps.inventory, "service");
      },
    },
    {
      // Longer than the sidecar's whole retry budget: deliveries are dead-lettered by Dapr itself,
      // and the redriver must hand them back once payments is up again.
      name: `service outage of ${opts.longOutageMs / 1000} s (east payments), past every sidecar retry`,
      at: 1000,
      strike: async (s) => {
        await s.kill("east", apps.payments, "service");
        await sleep(opts.longOutageMs);
        await s.revive("east", apps.payments, "service");
      },
    },
    {
      name: "partition of the replication links for 8 s",
      at: 500,
      strike: async (s) => {
        const links = s.regions.flatMap((a) => s.regions.filter((b) => b !== a).map((b) => s.link(a.name, b.name)));
        for (const link of links) link.cut();
        await sleep(8000);
        for (const link of links) link.heal();
      },
    },
    {
      name: "duplicate storm (east: the last 1,000 messages of every topic re-added)",
      at: 3000,
      strike: (s) => duplicateStorm(s, "east", 1000),
    },
  ];
}

/** Re-adds the newest messages of every topic of a region's broker: every consumer sees each again. */
async function duplicateStorm(system: SystemHandle, region: string, perTopic: number): Promise<void> {
  const redis = system.region(region).redis;
  const client = new Redis({ host: "127.0.0.1", port: redis.port, password: redis.password, lazyConnect: true, maxRetriesPerRequest: 2 });
  await client.connect();
  try {
    for (const topic of [topics.orders, topics.inventory, topics.payments]) {
      const entries = await client.xrevrange(topic, "+", "-", "COUNT", perTopic);
      for (const [, fields] of entries.reverse()) await client.xadd(topic, "*", ...fields);
    }
  } finally {
    client.disconnect();
  }
}

export async function runChaos(system: SystemHandle, opts: ChaosOptions): Promise<ChaosReport> {
  const phases: PhaseResult[] = [];
  let total = 0;
  for (const [i, fault] of faults(opts).entries()) {
    const started = Date.now();
    const sku = `chaos-${i}-${started.toString(36)}`;
    for (const region of system.regions) await setStock(region, sku, 1_000_000);
    opts.log(`${fault.name}: load ${opts.ordersPerSecond}/s per region for ${opts.loadMs / 1000} s`);
    const load = runLoad(system.regions, {
      tag: sku,
      sku,
      perSecond: opts.ordersPerSecond,
      durationMs: opts.loadMs,
      budgetMs: 60_000,
    });
    await sleep(fault.at);
    await fault.strike(system);
    const { accepted, refused } = await load;
    // A refused order the client could not tell about would show as an order nobody knows of.
    const maybe: Placed[] = [];
    for (const r of refused) if (r.orderId) maybe.push({ orderId: r.orderId, region: r.region, sku });
    total += accepted.length;
    opts.log(`${fault.name}: ${accepted.length} accepted, ${refused.length} refused; judging`);
    const verdict = await judge(system, accepted, { settleMs: opts.settleMs, expectedTotal: total });
    phases.push({ phase: fault.name, seconds: Math.round((Date.now() - started) / 1000), ...verdict });
    if (maybe.length > 0) opts.log(`${fault.name}: ${maybe.length} orders answered 5xx for good (their ids were in the answers)`);
  }

  opts.log(`${opts.badRequests} generated bad requests against east`);
  const badRequests = await sendBadRequests(system.region("east"), { count: opts.badRequests, seed: 20261201, concurrency: 16 });
  opts.log("unauthorised attempts against both regions");
  const unauthorised = await probeUnauthorised(system);
  opts.log("abuse: customers going for others' orders, compromised apps going for other apps");
  const abuse = await abuseSystem(system);

  const ok =
    phases.every(
      (p) => p.lost === 0 && p.stuck === 0 && p.doubled === 0 && p.uncatalogued === 0 && p.openDeadLetters === 0 && p.digestsEqual,
    ) &&
    badRequests.serverErrors === 0 &&
    badRequests.notProblem === 0 &&
    unauthorised.accepted === 0 &&
    abuse.attempts.every((a) => a.refusedAsExpected) &&
    abuse.controls.every((c) => c.ok);
  return { phases, badRequests, unauthorised, abuse, ok };
}

/** The table `npm run chaos` prints. */
export function chaosTable(report: ChaosReport): string {
  const head = ["phase", "accepted", "final", "lost", "stuck", "doubled", "uncatalogued", "dead letters open", "digests", "s"];
  const rows = report.phases.map((p) => [
    p.phase,
    p.accepted,
    p.final,
    p.lost,
    p.stuck,
    p.doubled,
    p.uncatalogued,
    p.openDeadLetters,
    p.digestsEqual ? "equal" : "DIFFER",
    p.seconds,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells: readonly unknown[]) =>
    cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]!) : String(c).padStart(widths[i]!))).join("  ");
  const b = report.badRequests;
  const u = report.unauthorised;
  return [
    line(head),
    ...rows.map(line),
    ...report.phases.flatMap((p) => (p.notes.length > 0 ? [`${p.phase}:`, ...p.notes.slice(0, 8).map((n) => `  ${n}`)] : [])),
    "",
    `bad requests: ${b.sent} sent, ${b.serverErrors} answered 5xx, ${b.notProblem} 4xx not a problem document; by status ${JSON.stringify(b.byStatus)}`,
    ...b.examples.map((e) => `  ${e}`),
    `unauthorised attempts: ${u.attempted} made, ${u.refused} refused, ${u.accepted} accepted; by kind ${JSON.stringify(
      Object.fromEntries(Object.entries(u.byKind).map(([k, v]) => [k, `${v.refused}/${v.attempted}`])),
    )}`,
    ...u.attempts.filter((a) => !a.refused).map((a) => `  ACCEPTED ${a.region} ${a.kind}: ${a.what} -> ${a.outcome}`),
    `abuse: ${report.abuse.attempts.filter((a) => a.refusedAsExpected).length}/${report.abuse.attempts.length} refused for the expected reason, ${
      report.abuse.controls.filter((c) => c.ok).length
    }/${report.abuse.controls.length} positive controls served`,
    ...report.abuse.attempts
      .filter((a) => !a.refusedAsExpected)
      .map((a) => `  NOT AS EXPECTED ${a.region} ${a.kind}: ${a.what}: expected ${a.expected}, got ${a.outcome}`),
    ...report.abuse.controls.filter((c) => !c.ok).map((c) => `  CONTROL FAILED ${c.region}: ${c.what} -> ${c.outcome}`),
    "",
    report.ok ? "OK: 0 lost, 0 stuck, 0 doubled, catalogues complete, no dead letter left open, digests equal, 0 5xx, 0 forged" : "FAILED",
  ].join("\n");
}
