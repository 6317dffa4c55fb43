/**
 * Rebuilds a region's order-view read model by replaying every order stream, and waits for it.
 *
 *   npm run rebuild-view -- [--admin-url http://127.0.0.1:9081] [--token-file F]
 */
import { parseArgs } from "node:util";
import { adminClient, adminOptions, runMain } from "./admin-client.js";

const { values } = parseArgs({ options: adminOptions });

interface Status {
  status: string;
  orders?: number;
  customers?: number;
  error?: string;
}

async function main(): Promise<void> {
  const admin = adminClient(values["admin-url"], values["token-file"]);
  let status = await admin.json<Status>("/admin/rebuild-view", { method: "POST" });
  process.stdout.write("rebuilding");
  while (status.status === "running") {
    await new Promise((r) => setTimeout(r, 500));
    process.stdout.write(".");
    status = await admin.json<Status>("/admin/rebuild-view");
  }
  process.stdout.write(`\n${JSON.stringify(status)}\n`);
  if (status.status !== "done") process.exitCode = 1;
}

runMain(main);
