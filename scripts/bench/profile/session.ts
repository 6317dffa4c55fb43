/**
 * One `--profile` run: the daprd profiles are taken during the window, the Node profiles once the
 * services have exited (V8 writes them at exit), then both are folded and written out.
 */
import { join } from "node:path";
import type { AppProcess, SystemHandle } from "../../local/system.js";
import { type DaprdTarget, type ProfiledProcess, captureDaprdProfiles, foldPprofFile, foldServiceProfiles } from "./capture.js";
import { monotonicUs } from "./folded.js";
import { writeProfile } from "./write.js";

interface Instance {
  readonly name: string;
  readonly region: string;
  readonly app: string;
  readonly process: AppProcess;
}

export class ProfileSession {
  private window: { startUs: number; endUs: number; seconds: number } | undefined;
  private capture: ReturnType<typeof captureDaprdProfiles> | undefined;
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

  /** Starts `seconds` of pprof on every daprd at once; the Node profiles are cut to the same seconds. */
  startWindow(seconds: number): void {
    const startUs = monotonicUs();
    this.window = { startUs, endUs: startUs + seconds * 1e6, seconds };
    const targets: DaprdTarget[] = this.instances.flatMap((i) =>
      i.process.profilePort === undefined
        ? []
        : [{ name: `${i.name} daprd`, region: i.region, app: i.app, profilePort: i.process.profilePort }],
    );
    this.capture = captureDaprdProfiles(targets, seconds, join(this.dir, "daprd"));
  }

  /** Waits for the daprd profiles (they end with the window, whatever the load does). */
  async endWindow(): Promise<void> {
    await this.capture;
  }

  /** After the services have exited: folds every profile and writes flame graphs and profile.md into `outDir`. */
  async finish(outDir: string, command: string): Promise<string> {
    if (!this.window || !this.capture) throw new Error("the profile window was never started");
    const { seconds } = this.window;
    const processes: ProfiledProcess[] = [];
    const missing: { name: string; why: string }[] = [];
    for (const c of await this.capture) {
      if (c.file === undefined) missing.push({ name: c.target.name, why: c.error ?? "no profile" });
      else processes.push({ ...c.target, kind: "daprd", folded: await foldPprofFile(c.file) });
    }
    for (const i of this.instances) {
      const dir = i.process.cpuProfileDir;
      const folded = dir === undefined ? undefined : foldServiceProfiles(dir, this.window);
      if (folded) processes.push({ name: i.name, kind: "service", region: i.region, app: i.app, folded });
      // V8 writes the profile only when the process exits by itself: a SIGKILL leaves none.
      else missing.push({ name: i.name, why: "wrote no .cpuprofile (killed before it could exit?)" });
    }
    return writeProfile(
      { window: `${seconds} s of both regions at saturation`, windowSeconds: seconds, processes, missing, command },
      outDir,
    );
  }
}
