/** The functions a profile spends its time in: self time (the leaf) and total time (anywhere on the stack). */
import { type Folded, totalMs } from "./folded.js";

export interface FunctionTime {
  readonly name: string;
  readonly selfMs: number;
  /** Time of the stacks the function is on, each stack counted once (recursion is not double counted). */
  readonly totalMs: number;
}

function functionTimes(folded: Folded): FunctionTime[] {
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  for (const [stack, ms] of folded) {
    const frames = stack.split(";");
    const leaf = frames[frames.length - 1]!;
    self.set(leaf, (self.get(leaf) ?? 0) + ms);
    for (const f of new Set(frames)) total.set(f, (total.get(f) ?? 0) + ms);
  }
  return [...total].map(([name, totalMs]) => ({ name, selfMs: self.get(name) ?? 0, totalMs }));
}

export function topBySelf(folded: Folded, n: number): FunctionTime[] {
  return functionTimes(folded)
    .filter((f) => f.selfMs > 0)
    .sort((a, b) => b.selfMs - a.selfMs || a.name.localeCompare(b.name))
    .slice(0, n);
}

/**
 * The functions of one code base (`own`: e.g. Dapr's packages, or the project's services) that
 * the most time runs under: which operations cost, where self time only shows the runtime's leaves.
 */
export function topByTotal(folded: Folded, n: number, own: (name: string) => boolean): FunctionTime[] {
  return functionTimes(folded)
    .filter((f) => own(f.name))
    .sort((a, b) => b.totalMs - a.totalMs || a.name.localeCompare(b.name))
    .slice(0, n);
}

/** A Markdown table of functions, with shares of the whole profile. */
export function timeTable(folded: Folded, functions: readonly FunctionTime[]): string[] {
  const all = totalMs(folded);
  const pct = (ms: number): string => (all > 0 ? `${((ms / all) * 100).toFixed(1)}%` : "n/a");
  const cell = (s: string): string => `\`${s.replaceAll("|", "\\|").replaceAll("`", "'")}\``;
  return [
    "| function | self ms | self | total |",
    "| --- | --- | --- | --- |",
    ...functions.map((f) => `| ${cell(f.name)} | ${f.selfMs.toFixed(0)} | ${pct(f.selfMs)} | ${pct(f.totalMs)} |`),
  ];
}
