/**
 * Lists and redrives dead letters of a region through its gateway's operator API.
 *
 *   npm run dead-letters -- list [--admin-url http://127.0.0.1:9081] [--token-file F]
 *   npm run dead-letters -- redrive <faultId> [--admin-url …]
 *
 * The credential comes from ADMIN_TOKEN or --token-file.
 */
import { parseArgs } from "node:util";
import { adminClient, adminOptions, runMain } from "./admin-client.js";

const { positionals, values } = parseArgs({ allowPositionals: true, options: adminOptions });
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
  const admin = adminClient(values["admin-url"], values["token-file"]);
  if (command === "list") {
    const { faults } = await admin.json<{ faults: Fault[] }>("/admin/dead-letters");
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
    const res = await admin.fetch(`/admin/dead-letters/${encodeURIComponent(faultId)}/redrive`, { method: "POST" });
    process.stdout.write(`${res.status} ${await res.text()}\n`);
    if (!res.ok) process.exitCode = 1;
    return;
  }
  process.stderr.write("usage: npm run dead-letters -- list | redrive <faultId>  [--admin-url URL] [--token-file F]\n");
  process.exitCode = 2;
}

runMain(main);
