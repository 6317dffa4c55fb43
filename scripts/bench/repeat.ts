/**
 * `npm run bench`: the benchmark (./run.ts) three times at full scale, each on a fresh system, and
 * the medians with their ranges in <out>/report.md (./medians.ts); once at quick scale, or as
 * often as `--runs N` says. Every other argument goes to each run unchanged.
 *
 *   npm run bench                          three full runs: <out>/run-1 … run-3, medians in <out>/report.md
 *   npm run bench -- --runs 1              one run, its report in <out> itself
 *   npm run bench -- --scale quick         one smoke run (about a minute)
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { projectRoot } from "../../platform/paths.js";
import { correctnessTotal, medianFigures, renderMedians } from "./medians.js";
import type { BenchReport } from "./report.js";
import { round } from "./stats.js";

const { values: args, tokens } = parseArgs({
  options: {
    runs: { type: "string" },
    scale: { type: "string", default: "full" },
    out: { type: "string", default: join(projectRoot, "bench", "out") },
    profile: { type: "boolean" },
    saga: { type: "string" },
  },
  tokens: true,
});
const runs = Number(args.runs ?? (args.scale === "full" ? 3 : 1));
if (!Number.isInteger(runs) || runs < 1) {
  process.stderr.write("--runs must be a whole number of at least 1\n");
  process.exit(2);
}
const outDir = resolve(args.out);
const runner = join(dirname(fileURLToPath(import.meta.url)), "run.js");
// Every option but --runs and --out, as given.
const passed = tokens.flatMap((t) =>
  t.kind === "option" && t.name !== "runs" && t.name !== "out" ? [t.rawName, ...(t.value === undefined ? [] : [t.value])] : [],
);

const runOnce = (out: string): number => {
  const run = spawnSync(process.execPath, [runner, ...passed, "--out", out], { stdio: "inherit" });
  return run.status ?? 1;
};

if (runs === 1) {
  process.exitCode = runOnce(outDir);
} else {
  const reports: BenchReport[] = [];
  const dirs: string[] = [];
  for (let i = 1; i <= runs; i++) {
    const dir = `run-${i}`;
    mkdirSync(join(outDir, dir), { recursive: true });
    process.stdout.write(`[bench] run ${i} of ${runs}: ${join(outDir, dir)}\n`);
    const code = runOnce(join(outDir, dir));
    // A run that lost or doubled work still wrote its report: the medians show it, and the exit code.
    try {
      reports.push(JSON.parse(readFileSync(join(outDir, dir, "report.json"), "utf8")) as BenchReport);
      dirs.push(dir);
    } catch {
      process.stderr.write(`[bench] run ${i} wrote no report (exit ${code}); see its output above\n`);
      process.exit(1);
    }
  }
  writeFileSync(join(outDir, "report.md"), renderMedians(reports, dirs));
  writeFileSync(join(outDir, "medians.json"), `${JSON.stringify({ runs: dirs, figures: medianFigures(reports) }, null, 2)}\n`);
  process.stdout.write(`[bench] medians of ${runs} runs: ${join(outDir, "report.md")}\n`);
  for (const f of medianFigures(reports).filter((x) => x.met !== undefined))
    process.stdout.write(
      `[bench] ${f.met ? "met   " : "MISSED"} ${f.name}: median ${round(f.median)} (${round(f.min)}–${round(f.max)}), target ${f.target}\n`,
    );
  process.exitCode = correctnessTotal(reports) === 0 ? 0 : 1;
}
