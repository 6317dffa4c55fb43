import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { projectRoot } from "../../platform/paths.js";
import { versions } from "../../platform/versions.js";
import { cachedControlPlanePath, requirements } from "../../scripts/daprd/ensure-control-plane.js";
import { cachedSentryPath } from "../../scripts/daprd/ensure-sentry.js";

describe("control-plane builds", () => {
  it("reads go.mod requirements in both forms, comments and replaces aside", () => {
    const goMod = [
      "module example.local/x",
      "",
      "require github.com/a/one v1.2.3",
      "require (",
      "\tgithub.com/b/two v0.0.0-20230125174641-2a8082862702 // indirect",
      "\t// a comment",
      "\tgo.etcd.io/etcd/server/v3 v3.5.21",
      ")",
      "replace github.com/c/three => github.com/c/four v1.0.0",
    ].join("\n");
    expect([...requirements(goMod)]).toEqual([
      ["github.com/a/one", "v1.2.3"],
      ["github.com/b/two", "v0.0.0-20230125174641-2a8082862702"],
      ["go.etcd.io/etcd/server/v3", "v3.5.21"],
    ]);
  });

  it("finds the pinned dapr among the wrapper's requirements", () => {
    const wrapper = readFileSync(join(projectRoot, "scripts", "daprd", "wrapper", "go.mod"), "utf8");
    expect(requirements(wrapper).get("github.com/dapr/dapr")).toBe(`v${versions.dapr.version}`);
  });

  it("caches each service per version, Sentry where it always was", () => {
    expect(cachedSentryPath()).toBe(cachedControlPlanePath("sentry"));
    for (const service of ["sentry", "placement", "scheduler"] as const) {
      expect(cachedControlPlanePath(service)).toMatch(new RegExp(`/${service}/${versions.dapr.version}/[0-9a-f]{12}/${service}$`));
    }
  });
});
