/**
 * Collecting the profiles of `npm run bench -- --profile`: every daprd's pprof CPU profile over
 * the window (fetched from all of them at once, so they cover the same seconds), and every Node
 * service's --cpu-prof file once it has exited, cut to the same window.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { goBinary } from "../../daprd/go-build.js";
import { type CpuProfile, type Folded, foldCpuProfile, foldPprofTraces } from "./folded.js";

const run = promisify(execFile);

export interface ProfiledProcess {
  /** e.g. "east/orders daprd" or "east/orders". */
  readonly name: string;
  readonly kind: "daprd" | "service";
  readonly region: string;
  readonly app: string;
  /** pprof's CPU milliseconds for daprd; for a service, V8's samples scaled to `procCpuMs`. */
  readonly folded: Folded;
  /** The CPU the process used in the window, from /proc (every thread, kernel time included). */
  readonly procCpuMs: number;
}

export interface DaprdTarget {
  readonly name: string;
  readonly region: string;
  readonly app: string;
  readonly profilePort: number;
}

const fileSafe = (name: string): string => name.replace(/[^a-zA-Z0-9._-]+/g, "-");

/**
 * Asks every daprd for `seconds` of CPU profile at once and writes each (gzipped protobuf, as
 * pprof serves it) into `dir`. A sidecar that does not answer is reported, not fatal.
 */
export async function captureDaprdProfiles(
  targets: readonly DaprdTarget[],
  seconds: number,
  dir: string,
): Promise<{ target: DaprdTarget; file?: string; error?: string }[]> {
  mkdirSync(dir, { recursive: true });
  return Promise.all(
    targets.map(async (target) => {
      try {
        const res = await fetch(`http://127.0.0.1:${target.profilePort}/debug/pprof/profile?seconds=${Math.max(1, Math.round(seconds))}`, {
          signal: AbortSignal.timeout((seconds + 30) * 1000),
        });
        if (!res.ok) return { target, error: `pprof answered ${res.status}` };
        const file = join(dir, `${fileSafe(target.name)}.pb.gz`);
        writeFileSync(file, Buffer.from(await res.arrayBuffer()));
        return { target, file };
      } catch (err) {
        return { target, error: String(err) };
      }
    }),
  );
}

/** `go tool pprof -traces` needs no binary: daprd's pprof endpoint serves symbolised profiles. */
export async function foldPprofFile(file: string): Promise<Folded> {
  const { stdout } = await run(goBinary(), ["tool", "pprof", "-traces", file], { maxBuffer: 256 * 1024 * 1024 });
  return foldPprofTraces(stdout);
}

/**
 * Folds the .cpuprofile file a service wrote into `dir` at exit, keeping the samples of the
 * window (microseconds of the monotonic clock, see `monotonicUs`). Of several files (the service
 * was restarted) the last is the process that ran until the end.
 */
export function foldServiceProfiles(dir: string, window: { readonly startUs: number; readonly endUs: number }): Folded | undefined {
  if (!existsSync(dir)) return undefined;
  const last = readdirSync(dir)
    .filter((f) => f.endsWith(".cpuprofile"))
    .sort()
    .pop();
  if (last === undefined) return undefined;
  return foldCpuProfile(JSON.parse(readFileSync(join(dir, last), "utf8")) as CpuProfile, window);
}
