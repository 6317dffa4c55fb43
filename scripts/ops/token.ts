/**
 * Signs a demo customer in at the issuer of a running `npm start` and prints their access token
 * (any customer id is a demo user locally; see scripts/local/demo-directory.ts).
 *
 *   TOKEN=$(npm run -s token -- alice [--run-dir .run/<started-at>])
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { projectRoot } from "../../platform/paths.js";
import { runTokens } from "../local/issuer-process.js";
import { runMain } from "./admin-client.js";

const { values, positionals } = parseArgs({ options: { "run-dir": { type: "string" } }, allowPositionals: true });

/** The newest run under .run/ (their names are their start times). */
function latestRun(): string {
  const runs = readdirSync(join(projectRoot, ".run")).sort();
  if (runs.length === 0) throw new Error("no run under .run/: start the system with npm start first");
  return join(projectRoot, ".run", runs.at(-1)!);
}

async function main(): Promise<void> {
  const customer = positionals[0];
  if (!customer) throw new Error("usage: npm run -s token -- <customer-id> [--run-dir .run/<started-at>]");
  const token = await runTokens(join(values["run-dir"] ?? latestRun(), "issuer"))(customer);
  process.stdout.write(`${token}\n`);
}

runMain(main);
