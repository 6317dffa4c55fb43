import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { projectRoot } from "../../platform/paths.js";
import { allApps } from "../../platform/topology.js";

describe("dapr.yaml (the Dapr CLI multi-app run file)", () => {
  const file = parse(readFileSync(join(projectRoot, "dapr.yaml"), "utf8")) as {
    apps: { appID: string; appPort: number; command: string[]; env: Record<string, string> }[];
  };

  it("runs every app of the topology, each from its compiled main", () => {
    expect(file.apps.map((a) => a.appID).sort()).toEqual([...allApps].sort());
    for (const app of file.apps) {
      expect(app.command.at(-1)).toBe(`dist/services/${app.appID}/main.js`);
      expect(app.env["APP_PORT"]).toBe(String(app.appPort));
    }
  });
});
