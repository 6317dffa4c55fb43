/**
 * Lists and redrives dead letters of a region through its gateway's operator API.
 *
 *   npm run dead-letters -- list [--region-url http://127.0.0.1:8081]
 *   npm run dead-letters -- redrive <faultId> [--region-url …]
 */
import { parseArgs } from "node:util";
import { defaultGatewayPortBase } from "../../platform/topology.js";

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { "region-url": { type: "string", default: `http://127.0.0.1:${defaultGatewayPortBase}` } },
});
const base = values["region-url"];
const [command, faultId] = positionals;

interface Fault {
  faultId: string;
  kind: string;
  status: string;
  subscriber: string;
  topic: string;
  failedAt: string;
  reason: string;
  cloudEvent: { type?: string; data?: { type?: string; id?: string } };
}

async function main(): Promise<void> {
  if (command === "list") {
    const res = await fetch(`${base}/admin/dead-letters`);
    const { faults } = (await res.json()) as { faults: Fault[] };
    if (faults.length === 0) process.stdout.write("no dead letters\n");
    for (const f of faults) {
      const type = f.cloudEvent.data?.type ?? f.cloudEvent.type ?? "?";
      process.stdout.write(
        `${f.faultId}  ${f.status.padEnd(8)} ${f.failedAt}  ${f.topic}/${type} -> ${f.subscriber || "(dapr)"}  [${f.kind}] ${f.reason}\n`,
      );
    }
    return;
  }
  if (command === "redrive" && faultId) {
    const res = await fetch(`${base}/admin/dead-letters/${encodeURIComponent(faultId)}/redrive`, { method: "POST" });
    process.stdout.write(`${res.status} ${await res.text()}\n`);
    if (!res.ok) process.exitCode = 1;
    return;
  }
  process.stderr.write("usage: npm run dead-letters -- list | redrive <faultId>  [--region-url URL]\n");
  process.exitCode = 2;
}

void main();
