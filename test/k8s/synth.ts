import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Yaml } from "cdk8s";
import { type RegionConfig, defaultRegionConfigs } from "../../platform/regions.js";
import { regionApp } from "../../k8s/region.js";

/** A synthesised manifest: what `kubectl apply` receives. */
export type Manifest = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
} & Record<
  string,
  any // eslint-disable-line @typescript-eslint/no-explicit-any -- manifests are arbitrary JSON; tests narrow them
>;

export interface SynthesisedRegion {
  readonly config: RegionConfig;
  /** Chart file name (as written to k8s/dist/<region>) -> its manifests. */
  readonly files: ReadonlyMap<string, Manifest[]>;
  readonly all: Manifest[];
  find(kind: string, name: string): Manifest;
  ofKind(kind: string): Manifest[];
}

/** Builds every region's manifests in memory (nothing is written), exactly as `npm run synth` does. */
export function synthesise(regions: readonly RegionConfig[] = defaultRegionConfigs()): SynthesisedRegion[] {
  const outdir = mkdtempSync(join(tmpdir(), "meridian-k8s-"));
  return regions.map((config) => {
    const app = regionApp(config, regions, join(outdir, config.name));
    // cdk8s numbers chart files in dependency order; mirror its names.
    const files = new Map(
      app.charts.map((chart, i) => [`${String(i).padStart(4, "0")}-${chart.node.id}.k8s.yaml`, chart.toJson() as Manifest[]]),
    );
    const all = [...files.values()].flat();
    const ofKind = (kind: string): Manifest[] => all.filter((m) => m.kind === kind);
    return {
      config,
      files,
      all,
      ofKind,
      find: (kind, name) => {
        const found = ofKind(kind).find((m) => m.metadata.name === name);
        if (!found) throw new Error(`${config.name}: no ${kind} ${name}`);
        return found;
      },
    };
  });
}

export const toYaml = (manifests: readonly Manifest[]): string => Yaml.stringify(...manifests);

/** The default regions with east's saga orchestrated (it deploys order-saga) and west's choreographed. */
export function orchestratedEast(): RegionConfig[] {
  return defaultRegionConfigs().map((r) => (r.name === "east" ? { ...r, saga: "orchestration" } : r));
}
