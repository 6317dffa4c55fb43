/**
 * Folded stacks: "root;caller;callee" → CPU time in milliseconds (V8's: samples until scaled), the one shape both profilers'
 * outputs are turned into before they are merged, ranked and drawn. Frames never hold ';'.
 */
export type Folded = Map<string, number>;

const frameName = (name: string): string => name.replaceAll(";", ":").trim() || "(anonymous)";

export function addStack(folded: Folded, frames: readonly string[], ms: number): void {
  if (frames.length === 0 || !(ms > 0)) return;
  const key = frames.map(frameName).join(";");
  folded.set(key, (folded.get(key) ?? 0) + ms);
}

/** Sums several profiles; `prefix` puts each under a root frame of its own (e.g. the process). */
export function mergeFolded(parts: readonly { readonly folded: Folded; readonly prefix?: string }[]): Folded {
  const merged: Folded = new Map();
  for (const { folded, prefix } of parts)
    for (const [stack, ms] of folded) {
      const key = prefix === undefined ? stack : `${frameName(prefix)};${stack}`;
      merged.set(key, (merged.get(key) ?? 0) + ms);
    }
  return merged;
}

/** The same stacks with weights multiplied so that they sum to `total` (nothing when empty). */
export function scaleTo(folded: Folded, total: number): Folded {
  const sum = totalMs(folded);
  return new Map(sum > 0 ? [...folded].map(([stack, w]) => [stack, (w * total) / sum] as const) : []);
}

export const totalMs = (folded: Folded): number => [...folded.values()].reduce((s, v) => s + v, 0);

/** The `stack count` lines other flame-graph tools read (count in ms, rounded). */
export function foldedText(folded: Folded): string {
  return [...folded]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([stack, ms]) => `${stack} ${Math.round(ms * 1000) / 1000}`)
    .join("\n");
}

/** Now on the clock of V8's profiles, in microseconds. */
export const monotonicUs = (): number => Number(process.hrtime.bigint() / 1000n);

// ---- Node: V8's .cpuprofile (what --cpu-prof writes) ----

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}
interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}
export interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  /** Microseconds, on the process's monotonic clock. */
  readonly startTime: number;
  readonly endTime: number;
  readonly samples: readonly number[];
  /** Microseconds between consecutive samples (the first from startTime). */
  readonly timeDeltas: readonly number[];
}

/** V8's pseudo-frames that are no CPU work of the process: waiting, and the tree's root. */
const notWork = new Set(["(idle)", "(root)"]);

/**
 * A script's URL as a reader wants it: a package's path from its name on, the project's files
 * from their top folder on, Node's own modules as they are.
 */
export function shortUrl(url: string): string {
  if (url === "") return "";
  const path = url.replace(/^file:\/\//, "");
  const pkg = path.lastIndexOf("/node_modules/");
  if (pkg !== -1) return path.slice(pkg + "/node_modules/".length);
  const project = /\/dist\/(.*)$/.exec(path);
  return project ? project[1]! : path;
}

function cpuFrameName(f: CallFrame): string {
  const where = shortUrl(f.url);
  const name = f.functionName || "(anonymous)";
  return where === "" ? name : `${name} ${where}:${f.lineNumber + 1}`;
}

/**
 * Folds a V8 CPU profile, one unit per sample that is not idle. V8 samples the main thread on a
 * wall-clock timer, so on a loaded machine the time between samples includes waiting for a core:
 * a sample counts "runnable here", not milliseconds of CPU. `scaleTo` then spreads the CPU time
 * the process really used (from /proc) over the samples. With `window`, only samples inside it
 * count: its bounds are microseconds of the profile's own clock, which on Linux is
 * CLOCK_MONOTONIC, the clock of `process.hrtime()` in any process of the machine (`monotonicUs`).
 */
export function foldCpuProfile(p: CpuProfile, window?: { readonly startUs: number; readonly endUs: number }): Folded {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const stackCache = new Map<number, string[]>();
  const stackOf = (id: number): string[] => {
    const cached = stackCache.get(id);
    if (cached) return cached;
    const frames: string[] = [];
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)!.callFrame;
      if (frame.functionName !== "(root)") frames.push(cpuFrameName(frame));
    }
    frames.reverse();
    stackCache.set(id, frames);
    return frames;
  };
  const folded: Folded = new Map();
  let t = p.startTime;
  for (let i = 0; i < p.samples.length; i++) {
    t += p.timeDeltas[i] ?? 0;
    const node = byId.get(p.samples[i]!);
    if (!node || notWork.has(node.callFrame.functionName)) continue;
    if (window && (t < window.startUs || t > window.endUs)) continue;
    addStack(folded, stackOf(node.id), 1);
  }
  return folded;
}

// ---- Go: `go tool pprof -traces` of a CPU profile from daprd's /debug/pprof/profile ----

const unitMs: Readonly<Record<string, number>> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Shortens a Go symbol's import path: "github.com/dapr/dapr/pkg/x.F" → "dapr/pkg/x.F". */
export function shortGoName(name: string): string {
  return name.replace(/^(github\.com|go\.opentelemetry\.io|google\.golang\.org|golang\.org\/x)\//, "").replace(/^dapr\/dapr\//, "dapr/");
}

/** An inlined call is drawn like any other: the marker would split one function into two frames. */
const goFrame = (line: string): string => line.trim().replace(/ \(inline\)$/, "");

/**
 * Folds the text of `go tool pprof -traces`: traces separated by "-----------+----" lines, each
 * a "<time> <leaf frame>" line followed by one caller per line, outermost last.
 */
export function foldPprofTraces(text: string): Folded {
  const folded: Folded = new Map();
  let frames: string[] = [];
  let ms = 0;
  const flush = (): void => {
    addStack(folded, frames.slice().reverse().map(shortGoName), ms);
    frames = [];
    ms = 0;
  };
  let inTraces = false;
  for (const line of text.split("\n")) {
    if (/^-+\+-+$/.test(line.trim())) {
      if (inTraces) flush();
      inTraces = true;
      continue;
    }
    if (!inTraces || line.trim() === "") continue;
    const first = /^\s*([\d.]+)(ns|us|µs|ms|s|m|h)\s+(\S.*)$/.exec(line);
    if (first && frames.length === 0) {
      ms = Number(first[1]) * unitMs[first[2]!]!;
      frames.push(goFrame(first[3]!));
      continue;
    }
    // pprof labels ("  key:[value]") and anything else that is no frame are skipped.
    if (/^\s+\S+:\[.*\]$/.test(line)) continue;
    frames.push(goFrame(line));
  }
  if (frames.length > 0) flush();
  return folded;
}
