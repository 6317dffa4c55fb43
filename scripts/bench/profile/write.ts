/**
 * Turns the folded profiles of one run into what a reader opens: flame graphs (SVG) of all
 * sidecars together, all services together and the busiest of each, the folded stacks of every
 * process (for other tools), and profile.md with CPU by process and the top functions by self time.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type ProfiledProcess } from "./capture.js";
import { type Folded, foldedText, mergeFolded, totalMs } from "./folded.js";
import { fmtMs, renderFlameGraph } from "./flame.js";
import { timeTable, topBySelf, topByTotal } from "./top.js";

export interface ProfileRun {
  /** What the window was, e.g. "15 s of both regions at saturation". */
  readonly window: string;
  readonly windowSeconds: number;
  readonly processes: readonly ProfiledProcess[];
  /** Processes whose profile could not be had, with why. */
  readonly missing: readonly { readonly name: string; readonly why: string }[];
  /** The commands that made it, for the record. */
  readonly command: string;
}

interface Group {
  readonly file: string;
  readonly title: string;
  readonly folded: Folded;
  readonly kind: ProfiledProcess["kind"];
}

/** Whose code a frame is, for "under which of our functions does the time go". */
const ownCode: Readonly<Record<ProfiledProcess["kind"], { readonly what: string; readonly test: (name: string) => boolean }>> = {
  daprd: { what: "Dapr's own packages (`dapr/…`, components-contrib included)", test: (n) => n.startsWith("dapr/") },
  service: { what: "the project's code (`services/`, `platform/`)", test: (n) => / (services|platform)\//.test(n) },
};

const busiestCount = 3;
const topCount = 20;

const fileSafe = (name: string): string => name.replace(/[^a-zA-Z0-9._-]+/g, "-");

function groupsOf(run: ProfileRun): Group[] {
  const byCpu = (kind: ProfiledProcess["kind"]): ProfiledProcess[] =>
    run.processes.filter((p) => p.kind === kind).sort((a, b) => b.procCpuMs - a.procCpuMs);
  const daprds = byCpu("daprd");
  const services = byCpu("service");
  const groups: Group[] = [
    {
      file: "daprd-all.svg",
      title: `every daprd (${daprds.length})`,
      kind: "daprd",
      folded: mergeFolded(daprds.map((p) => ({ folded: p.folded }))),
    },
    {
      file: "services-all.svg",
      title: `every Node service (${services.length})`,
      kind: "service",
      folded: mergeFolded(services.map((p) => ({ folded: p.folded }))),
    },
  ];
  for (const p of [...daprds.slice(0, busiestCount), ...services.slice(0, busiestCount)])
    groups.push({ file: `${fileSafe(p.name)}.svg`, title: p.name, kind: p.kind, folded: p.folded });
  return groups;
}

/** Writes everything into `dir` and returns the path of profile.md. */
export function writeProfile(run: ProfileRun, dir: string): string {
  mkdirSync(join(dir, "folded"), { recursive: true });
  for (const p of run.processes) writeFileSync(join(dir, "folded", `${fileSafe(p.name)}.folded`), `${foldedText(p.folded)}\n`);
  const groups = groupsOf(run);
  const all = run.processes.reduce((s, p) => s + p.procCpuMs, 0);
  const lines: string[] = [
    "# Where the CPU goes: profiles of the saturated system",
    "",
    `Window: ${run.window}. Every daprd profiled by Go's pprof (\`--enable-profiling\`, /debug/pprof/profile over the window, ` +
      `all sidecars at once); every Node service by V8 (\`--cpu-prof\`, written at its graceful exit, cut to the same window). ` +
      `Idle time is left out; "(program)" and "(garbage collector)" are V8's own work, "writev" and the like are system calls.`,
    "",
    `Made by \`${run.command}\`; the folded stacks of every process are in \`folded/\` (\`stack ms\` per line).`,
    "",
    "## CPU by process in the window",
    "",
    "CPU from /proc (every thread, kernel time included); for daprd also what pprof sampled (Go's profiler counts CPU time " +
      "of every goroutine), for a service its V8 samples scaled to the /proc figure (V8 samples the main thread by wall clock, " +
      "so on a loaded machine only the shares of its samples mean something).",
    "",
    "| process | kind | CPU in window | cores | pprof sampled | share of all |",
    "| --- | --- | --- | --- | --- | --- |",
    ...[...run.processes]
      .sort((a, b) => b.procCpuMs - a.procCpuMs)
      .map((p) =>
        [
          "",
          p.name,
          p.kind,
          fmtMs(p.procCpuMs),
          (p.procCpuMs / 1000 / run.windowSeconds).toFixed(2),
          p.kind === "daprd" ? fmtMs(totalMs(p.folded)) : "",
          `${all > 0 ? ((p.procCpuMs / all) * 100).toFixed(1) : "0"}%`,
          "",
        ]
          .join(" | ")
          .trim(),
      ),
    "",
  ];
  if (run.missing.length > 0) lines.push(`Not profiled: ${run.missing.map((m) => `${m.name} (${m.why})`).join("; ")}.`, "");
  for (const g of groups) {
    const subtitle = `${fmtMs(totalMs(g.folded))} of CPU over ${run.window}`;
    writeFileSync(join(dir, g.file), renderFlameGraph(g.folded, { title: g.title, subtitle }));
    lines.push(
      `## ${g.title}`,
      "",
      `${subtitle}. [Flame graph](${g.file}) (hover a frame for its time).`,
      "",
      `![${g.title}](${g.file})`,
      "",
    );
    lines.push(`Top ${topCount} functions by self time:`, "", ...timeTable(g.folded, topBySelf(g.folded, topCount)), "");
    const own = ownCode[g.kind];
    lines.push(
      `Top ${topCount} functions of ${own.what} by total time (the time spent under them):`,
      "",
      ...timeTable(g.folded, topByTotal(g.folded, topCount, own.test)),
      "",
    );
  }
  const file = join(dir, "profile.md");
  writeFileSync(file, lines.join("\n"));
  return file;
}
