/**
 * What each region's redis-server did, by command, from `INFO commandstats`: calls and the time
 * spent in each command (usec, inside Redis, excluding network and parsing), read before and after
 * a window. Every sidecar's state, pub/sub and lock calls end up here.
 */
import { Redis } from "ioredis";

export interface CommandStat {
  readonly calls: number;
  readonly usec: number;
}
export type CommandStats = ReadonlyMap<string, CommandStat>;

/** Parses `cmdstat_xadd:calls=10,usec=25,usec_per_call=2.50,…` lines (sub-commands keep their `|`). */
export function parseCommandStats(info: string): Map<string, CommandStat> {
  const stats = new Map<string, CommandStat>();
  for (const line of info.split(/\r?\n/)) {
    const m = /^cmdstat_([^:]+):(.*)$/.exec(line.trim());
    if (!m) continue;
    const fields = new Map(m[2]!.split(",").map((f) => f.split("=") as [string, string]));
    stats.set(m[1]!, { calls: Number(fields.get("calls") ?? 0), usec: Number(fields.get("usec") ?? 0) });
  }
  return stats;
}

/** after − before per command; commands not called in between are left out. */
export function commandStatsDelta(before: CommandStats, after: CommandStats): Map<string, CommandStat> {
  const delta = new Map<string, CommandStat>();
  for (const [cmd, a] of after) {
    const b = before.get(cmd) ?? { calls: 0, usec: 0 };
    if (a.calls > b.calls) delta.set(cmd, { calls: a.calls - b.calls, usec: a.usec - b.usec });
  }
  return delta;
}

export async function readCommandStats(port: number, password: string): Promise<Map<string, CommandStat>> {
  const client = new Redis({ host: "127.0.0.1", port, password, lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await client.connect();
    return parseCommandStats(await client.info("commandstats"));
  } finally {
    client.disconnect();
  }
}
