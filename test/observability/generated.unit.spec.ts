import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { alertsDir, dashboardsDir } from "../../observability/paths.js";
import { renderAll } from "../../observability/render.js";

const rendered = await renderAll();

describe("generated observability files", () => {
  it.each([...rendered.keys()])("%s is committed as the generator writes it (npm run observability:generate)", (path) => {
    expect(readFileSync(path, "utf8")).toBe(rendered.get(path));
  });

  it("holds no file the generator does not write", () => {
    const committed = [
      ...readdirSync(dashboardsDir).map((f) => join(dashboardsDir, f)),
      ...readdirSync(alertsDir).map((f) => join(alertsDir, f)),
    ].sort();
    expect(committed).toEqual([...rendered.keys()].sort());
  });
});
