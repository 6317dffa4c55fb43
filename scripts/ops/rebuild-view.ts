/**
 * Rebuilds a region's order-view read model by replaying every order stream, and waits for it.
 *
 *   npm run rebuild-view -- [--region-url http://127.0.0.1:8081]
 */
import { parseArgs } from "node:util";
import { defaultGatewayPortBase } from "../../platform/topology.js";

const { values } = parseArgs({ options: { "region-url": { type: "string", default: `http://127.0.0.1:${defaultGatewayPortBase}` } } });
const url = `${values["region-url"]}/admin/rebuild-view`;

interface Status {
  status: string;
  orders?: number;
  customers?: number;
  error?: string;
}

async function main(): Promise<void> {
  let status = (await (await fetch(url, { method: "POST" })).json()) as Status;
  process.stdout.write("rebuilding");
  while (status.status === "running") {
    await new Promise((r) => setTimeout(r, 500));
    process.stdout.write(".");
    status = (await (await fetch(url)).json()) as Status;
  }
  process.stdout.write(`\n${JSON.stringify(status)}\n`);
  if (status.status !== "done") process.exitCode = 1;
}

void main();
