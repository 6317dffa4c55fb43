/**
 * `npm run observability:generate`: writes observability/dashboards/*.json and
 * observability/alerts/*.yaml from the TypeScript sources, and removes generated files whose
 * source is gone (a renamed dashboard must not linger as a stale ConfigMap).
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative } from "node:path";
import { projectRoot } from "../platform/paths.js";
import { alertsDir, dashboardsDir } from "./paths.js";
import { renderAll } from "./render.js";

const files = await renderAll();
for (const [dir, ext] of [
  [dashboardsDir, ".json"],
  [alertsDir, ".yaml"],
] as const) {
  mkdirSync(dir, { recursive: true });
  for (const f of readdirSync(dir)) if (f.endsWith(ext) && !files.has(join(dir, f))) rmSync(join(dir, f));
}
for (const [path, text] of files) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  process.stdout.write(`wrote ${relative(projectRoot, path)}\n`);
}
process.stdout.write(`${files.size} files (${[...files.keys()].map((p) => basename(p)).join(", ")})\n`);
