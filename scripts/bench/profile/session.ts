/**
 * One `--profile` run: the daprd profiles are taken during the window, the Node profiles once the
 * services have exited (V8 writes them at exit), then both are folded and written out. Every
 * process's CPU over the same window is also read from /proc: it is what the V8 samples are
 * scaled to, and a check on pprof's figure.
 */
import { join } from "node:path";
import type { AppProcess, SystemHandle } from "../../local/system.js";
import { readProc } from "../proc.js";
import { type DaprdTarget, type ProfiledProcess, captureDaprdProfiles, foldPprofFile, foldServiceProfiles } from "./capture.js";
import { monotonicUs, scaleTo } from "./folded.js";
import { writeProfile } from "./write.js";

interface Instance {
  readonly name: string;
  readonly region: string;
  readonly app: string;
  readonly process: AppProcess;
}

/** CPU seconds of every service and sidecar, by process name ("east/orders", "east/orders daprd"). */
type CpuReading = Map<string, number>;

export class ProfileSession {
  private window: { startUs: number; endUs: number; seconds: number } | undefined;
  private capture: ReturnType<typeof captureDaprdProfiles> | undefined;
  private cpuAtStart: CpuReading | undefined;
  private cpuAtEnd: Promise<CpuReading> | undefined;
  private readonly instances: Instance[];

  constructor(
    sys: SystemHandle,
    private readonly dir: string,
  ) {
    this.instances = sys.regions.flatMap((r) =>
      Object.values(r.replicas).flatMap((replicas) =>
        replicas.map((a, i) => ({
          name: `${r.name}/${a.app}${replicas.length > 1 ? `#${i}` : ""}`,
          region: r.name,
          app: a.app,
          process: a,
        })),
      ),
    );
  }

  private readCpu(): CpuReading {
    const cpu: CpuReading = new Map();
    for (const i of this.instances) {
      const service = i.process.service.child.pid;
      const sidecar = i.process.sidecar.child.pid;
      const s = service === undefined ? undefined : readProc(service);
      const d = sidecar === undefined ? undefined : readProc(sidecar);
      if (s) cpu.set(i.name, s.cpuSeconds);
      if (d) cpu.set(`${i.name} daprd`, d.cpuSeconds);
    }
    return cpu;
  }

  /** Starts `seconds` of pprof on every daprd at once; the Node profiles are cut to the same seconds. */
  startWindow(seconds: number): void {
    const startUs = monotonicUs();
    this.window = { startUs, endUs: startUs + seconds * 1e6, seconds };
    this.cpuAtStart = this.readCpu();
    this.cpuAtEnd = new Promise((resolve) => setTimeout(() => resolve(this.readCpu()), seconds * 1000));
    const targets: DaprdTarget[] = this.instances.flatMap((i) =>
      i.process.profilePort === undefined
        ? []
        : [{ name: `${i.name} daprd`, region: i.region, app: i.app, profilePort: i.process.profilePort }],
    );
    this.capture = captureDaprdProfiles(targets, seconds, join(this.dir, "daprd"));
  }

  /** Waits for the daprd profiles (they end with the window, whatever the load does). */
  async endWindow(): Promise<void> {
    await Promise.all([this.capture, this.cpuAtEnd]);
  }

  /** After the services have exited: folds every profile and writes flame graphs and profile.md into `outDir`. */
  async finish(outDir: string, command: string): Promise<string> {
    if (!this.window || !this.capture || !this.cpuAtStart || !this.cpuAtEnd) throw new Error("the profile window was never started");
    const { seconds } = this.window;
    const start = this.cpuAtStart;
    const end = await this.cpuAtEnd;
    const cpuMs = (name: string): number => ((end.get(name) ?? Number.NaN) - (start.get(name) ?? Number.NaN)) * 1000;
    const processes: ProfiledProcess[] = [];
    const missing: { name: string; why: string }[] = [];
    for (const c of await this.capture) {
      if (c.file === undefined) missing.push({ name: c.target.name, why: c.error ?? "no profile" });
      else processes.push({ ...c.target, kind: "daprd", folded: await foldPprofFile(c.file), procCpuMs: cpuMs(c.target.name) });
    }
    for (const i of this.instances) {
      const dir = i.process.cpuProfileDir;
      const samples = dir === undefined ? undefined : foldServiceProfiles(dir, this.window);
      const procCpuMs = cpuMs(i.name);
      if (samples)
        processes.push({ name: i.name, kind: "service", region: i.region, app: i.app, folded: scaleTo(samples, procCpuMs), procCpuMs });
      // V8 writes the profile only when the process exits by itself: a SIGKILL leaves none.
      else missing.push({ name: i.name, why: "wrote no .cpuprofile (killed before it could exit?)" });
    }
    return writeProfile(
      { window: `${seconds} s of both regions at saturation`, windowSeconds: seconds, processes, missing, command },
      outDir,
    );
  }
}
