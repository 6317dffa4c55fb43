/** The functions a profile spends its time in: self time (the leaf) and total time (anywhere on the stack). */
import { type Folded, totalMs } from "./folded.js";

export interface FunctionTime {
  readonly name: string;
  readonly selfMs: number;
  /** Time of the stacks the function is on, each stack counted once (recursion is not double counted). */
  readonly totalMs: number;
}

export function topBySelf(folded: Folded, n: number): FunctionTime[] {
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  for (const [stack, ms] of folded) {
    const frames = stack.split(";");
    const leaf = frames[frames.length - 1]!;
    self.set(leaf, (self.get(leaf) ?? 0) + ms);
    for (const f of new Set(frames)) total.set(f, (total.get(f) ?? 0) + ms);
  }
  return [...self]
    .map(([name, selfMs]) => ({ name, selfMs, totalMs: total.get(name) ?? selfMs }))
    .sort((a, b) => b.selfMs - a.selfMs || a.name.localeCompare(b.name))
    .slice(0, n);
}

/** A Markdown table of the top functions, shares of the whole profile. */
export function topTable(folded: Folded, n: number): string[] {
  const all = totalMs(folded);
  const pct = (ms: number): string => (all > 0 ? `${((ms / all) * 100).toFixed(1)}%` : "n/a");
  const cell = (s: string): string => `\`${s.replaceAll("|", "\\|").replaceAll("`", "'")}\``;
  return [
    "| function | self ms | self | total |",
    "| --- | --- | --- | --- |",
    ...topBySelf(folded, n).map((f) => `| ${cell(f.name)} | ${f.selfMs.toFixed(0)} | ${pct(f.selfMs)} | ${pct(f.totalMs)} |`),
  ];
}
