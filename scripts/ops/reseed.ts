/**
 * Re-seeds a region that lost its data from a peer region's event lake: every order the peer
 * holds (its own and its replicas of the lost region's) is put back as the lake has it, without
 * re-running any side effect, then the region's read model is rebuilt by replay.
 *
 *   npm run reseed -- --from http://127.0.0.1:8082 --to http://127.0.0.1:8081
 */
import { parseArgs } from "node:util";
import { catalogShards } from "../../services/shared/orders/catalog-shards.js";

const { values } = parseArgs({ options: { from: { type: "string" }, to: { type: "string" } } });
if (!values.from || !values.to) {
  process.stderr.write("usage: npm run reseed -- --from <healthy region gateway URL> --to <region to re-seed gateway URL>\n");
  process.exit(2);
}
const from = values.from;
const to = values.to;

async function json<T>(url: string, init?: RequestInit): Promise<T> {
  const res = await fetch(url, init);
  if (!res.ok) throw new Error(`${init?.method ?? "GET"} ${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

async function main(): Promise<void> {
  const counts: Record<string, number> = {};
  for (const shard of catalogShards) {
    const { orderIds } = await json<{ orderIds: string[] }>(`${from}/admin/catalog/${shard}`);
    for (const orderId of orderIds) {
      const { events } = await json<{ events: { type: string }[] }>(`${from}/admin/lake/orders/${orderId}`);
      // The lake also holds the order's stock and payment events where it is homed; those are regional.
      const stream = events.filter((e) => e.type.startsWith("order."));
      if (stream.length === 0) continue;
      const { outcome } = await json<{ outcome: string }>(`${to}/admin/restore`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ orderId, events: stream }),
      });
      counts[outcome] = (counts[outcome] ?? 0) + 1;
    }
  }
  process.stdout.write(`streams: ${JSON.stringify(counts)}\nrebuilding the read model`);
  let status = await json<{ status: string }>(`${to}/admin/rebuild-view`, { method: "POST" });
  while (status.status === "running") {
    await new Promise((r) => setTimeout(r, 500));
    process.stdout.write(".");
    status = await json<{ status: string }>(`${to}/admin/rebuild-view`);
  }
  process.stdout.write(`\n${JSON.stringify({ streams: counts, readModel: status })}\n`);
  if (status.status !== "done") process.exitCode = 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
