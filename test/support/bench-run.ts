import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inject } from "vitest";
import { projectRoot } from "../../platform/paths.js";
import type { BenchReport } from "../../scripts/bench/report.js";

/** Runs `npm run bench` at smoke scale as a user would (the compiled runner), with extra environment. */
export async function runQuickBench(
  env: Readonly<Record<string, string>> = {},
): Promise<{ code: number | null; output: string; out: string }> {
  const out = mkdtempSync(join(tmpdir(), "meridian-bench-test-"));
  const bench = spawn(process.execPath, [join(projectRoot, "dist/scripts/bench/run.js"), "--scale", "quick", "--out", out], {
    env: { ...process.env, DAPRD: inject("daprd"), ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  bench.stdout.on("data", (d: Buffer) => (output += d.toString()));
  bench.stderr.on("data", (d: Buffer) => (output += d.toString()));
  const code = await new Promise<number | null>((resolve) => bench.once("exit", resolve));
  return { code, output, out };
}

export function benchReport(out: string): BenchReport {
  return JSON.parse(readFileSync(join(out, "report.json"), "utf8")) as BenchReport;
}
