import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { appImageUser, appImageWorkdir, instrumentationModule } from "../../platform/images.js";
import { projectRoot } from "../../platform/paths.js";
import { defaultRegionConfigs } from "../../platform/regions.js";
import { allApps } from "../../platform/topology.js";
import { versions } from "../../platform/versions.js";
import { synthesise } from "./synth.js";

const dockerfile = readFileSync(join(projectRoot, "Dockerfile"), "utf8");
const digest = `sha256:${"a".repeat(64)}`;

describe("the apps' image and the Deployments that run it", () => {
  it("builds from the pinned Node version, as the numeric user and in the directory the manifests assume", () => {
    expect(dockerfile).toMatch(new RegExp(`^ARG NODE_VERSION=${versions.node.version.replaceAll(".", "\\.")}$`, "m"));
    expect(dockerfile).toMatch(new RegExp(`^USER ${appImageUser}:${appImageUser}$`, "m"));
    expect(dockerfile.match(/^WORKDIR (\S+)$/gm)?.at(-1)).toBe(`WORKDIR ${appImageWorkdir}`);
  });

  // Synthesising every chart takes a few seconds on a loaded machine.
  it("runs each app from the one image with the instrumentation loaded first", () => {
    const [east] = synthesise();
    for (const app of allApps) {
      const container = east!.find("Deployment", app)["spec"].template.spec.containers[0];
      expect(container.image).toBe("ghcr.io/meridian/meridian:0.1.0");
      expect(container.command).toEqual(["node"]);
      expect(container.args).toEqual([`dist/services/${app}/main.js`]);
      const nodeOptions = container.env.find((e: { name: string }) => e.name === "NODE_OPTIONS").value as string;
      expect(nodeOptions.split(" ")).toContain(`--import=${instrumentationModule}`);
    }
  }, 30_000);

  it("pins the image by digest when the region config gives one", () => {
    const [east] = synthesise(defaultRegionConfigs().map((r) => ({ ...r, images: { ...r.images, digest } })));
    expect(east!.find("Deployment", "gateway")["spec"].template.spec.containers[0].image).toBe(`ghcr.io/meridian/meridian:0.1.0@${digest}`);
  });
});
