/**
 * Re-seeds a region that lost its data from a peer region's event lake: every order the peer
 * holds (its own and its replicas of the lost region's) is put back as the lake has it, without
 * re-running any side effect, then the region's read model is rebuilt by replay.
 *
 *   npm run reseed -- --from http://127.0.0.1:9082 --to http://127.0.0.1:9081 \
 *     [--from-token-file F] [--to-token-file F]
 *
 * Both are admin URLs; each credential comes from its file, or from ADMIN_TOKEN for both.
 */
import { parseArgs } from "node:util";
import { currentTypeName } from "../../services/shared/events/event-types.js";
import { orderEventTypes } from "../../services/shared/events/order-events.js";
import { catalogShards } from "../../services/shared/orders/catalog-shards.js";
import { adminClient, runMain } from "./admin-client.js";

const { values } = parseArgs({
  options: {
    from: { type: "string" },
    to: { type: "string" },
    "from-token-file": { type: "string" },
    "to-token-file": { type: "string" },
  },
});

const orderTypes: ReadonlySet<string> = new Set(Object.values(orderEventTypes));

async function main(): Promise<void> {
  if (!values.from || !values.to) {
    process.stderr.write("usage: npm run reseed -- --from <healthy region admin URL> --to <region to re-seed admin URL>\n");
    process.exitCode = 2;
    return;
  }
  const from = adminClient(values.from, values["from-token-file"]);
  const to = adminClient(values.to, values["to-token-file"]);
  const counts: Record<string, number> = {};
  for (const shard of catalogShards) {
    const { orderIds } = await from.json<{ orderIds: string[] }>(`/admin/catalog/${shard}`);
    for (const orderId of orderIds) {
      const { events } = await from.json<{ events: { type: string }[] }>(`/admin/lake/orders/${orderId}`);
      // The lake also holds the order's stock and payment events where it is homed; those are regional.
      // Type names as today's code reads them: events stored before the prefix keep their old names.
      const stream = events.filter((e) => orderTypes.has(currentTypeName(e.type)));
      if (stream.length === 0) continue;
      const res = await to.fetch("/admin/restore", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ orderId, events: stream }),
      });
      // Restore fills only an empty stream: a stream this region already holds (a replica that
      // arrived after the loss) is answered 409 and kept as it is; anything else stops the re-seed.
      if (!res.ok && res.status !== 409) throw new Error(`POST ${to.url}/admin/restore for ${orderId}: ${res.status} ${await res.text()}`);
      const outcome = res.status === 409 ? "held" : ((await res.json()) as { outcome: string }).outcome;
      counts[outcome] = (counts[outcome] ?? 0) + 1;
    }
  }
  process.stdout.write(`streams: ${JSON.stringify(counts)}\nrebuilding the read model`);
  let status = await to.json<{ status: string }>("/admin/rebuild-view", { method: "POST" });
  while (status.status === "running") {
    await new Promise((r) => setTimeout(r, 500));
    process.stdout.write(".");
    status = await to.json<{ status: string }>("/admin/rebuild-view");
  }
  process.stdout.write(`\n${JSON.stringify({ streams: counts, readModel: status })}\n`);
  if (status.status !== "done") process.exitCode = 1;
}

runMain(main);
