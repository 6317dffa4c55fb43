import { readFileSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { projectRoot } from "../../platform/paths.js";

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

/** Imports of `dir`'s sources that reach into any of `forbidden` (top-level folders). */
function importsInto(dir: string, forbidden: readonly string[]): string[] {
  return sources(join(projectRoot, dir)).flatMap((file) =>
    [...readFileSync(file, "utf8").matchAll(/from "(\.[^"]+)"/g)]
      .map((m) => relative(projectRoot, join(file, "..", m[1]!)))
      .filter((target) => forbidden.some((f) => target.startsWith(`${f}/`)))
      .map((target) => `${relative(projectRoot, file)} -> ${target}`),
  );
}

describe("layers point one way", () => {
  it("the manifests share builders with the local runner through platform/, never import it", () => {
    expect(importsInto("k8s", ["scripts"])).toEqual([]);
  });

  it("the local runner and its scripts build Dapr resources from platform/, never from the manifests", () => {
    expect(importsInto("scripts", ["k8s"])).toEqual([]);
  });

  it("platform/ stands below everything: it imports no runner, manifest, service or dashboard code", () => {
    expect(importsInto("platform", ["scripts", "k8s", "services", "observability"])).toEqual([]);
  });

  it("the services (what the image holds) import nothing from scripts/, k8s/ or observability/", () => {
    expect(importsInto("services", ["scripts", "k8s", "observability"])).toEqual([]);
  });
});
