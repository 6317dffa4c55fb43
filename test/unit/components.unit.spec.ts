import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { componentsDir, currentComponentFiles, generatedComponents } from "../../scripts/components/generate.js";

describe("components/", () => {
  const generated = generatedComponents();

  it("is exactly what the builders make (run `npm run components:generate` after changing them)", () => {
    expect(currentComponentFiles()).toEqual([...generated.keys()].sort());
    for (const [file, text] of generated) expect(readFileSync(join(componentsDir, file), "utf8"), file).toBe(text);
  });

  it("holds one Dapr resource per file, as daprd reads only the first document of a Resiliency file", () => {
    for (const [file, text] of generated) {
      const doc = parse(text) as { apiVersion: string; kind: string };
      expect(doc.apiVersion, file).toMatch(/^dapr\.io\/v(1|2)alpha1$/);
      expect(text.match(/^---$/m), file).toBeNull();
    }
  });

  it("offers every profile the local runner runs", () => {
    const types = [...generated.values()].map((t) => (parse(t) as { spec: { type?: string } }).spec.type).filter(Boolean);
    for (const type of ["pubsub.redis", "pubsub.jetstream", "pubsub.rabbitmq", "state.redis", "state.postgresql", "state.mysql"]) {
      expect(types).toContain(type);
    }
  });
});
