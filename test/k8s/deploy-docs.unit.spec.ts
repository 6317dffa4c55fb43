import { describe, expect, it } from "vitest";
import { requiredSecrets } from "../../k8s/secrets/required-secrets.js";
import { documentedSecrets, readmeDeployCommands } from "../support/readme-deploy.js";
import { synthesise } from "./synth.js";

const regions = synthesise();

describe("the README's deploy steps", () => {
  it.each(regions.map((r) => [r.config.name, r] as const))("create every Secret region %s refers to, with its keys", (name, region) => {
    const documented = documentedSecrets().filter((s) => s.context === name);
    const required = requiredSecrets(region.all);
    expect(required.length).toBeGreaterThan(0);
    for (const secret of required) {
      const doc = documented.find((d) => d.name === secret.name);
      expect(doc, `README creates no Secret ${secret.name} in ${name}`).toBeDefined();
      expect(doc?.namespace).toBe(region.config.namespace);
      expect(doc?.keys.sort()).toEqual([...secret.keys]);
    }
  });

  it.each(regions.map((r) => [r.config.name, r] as const))("guard region %s's Deployments with a policy per Secret", (_name, region) => {
    const bindings = region.ofKind("ValidatingAdmissionPolicyBinding").map((b) => b["spec"].paramRef.name as string);
    expect(bindings.sort()).toEqual(requiredSecrets(region.all).map((s) => s.name));
    // The policies live in the first file, applied before the Secrets are created.
    expect([...region.files.entries()][0]?.[1].some((m) => m.kind === "ValidatingAdmissionPolicy")).toBe(true);
  });

  it("apply the namespace file first, then the secrets, then the whole folder, in every region", () => {
    const commands = readmeDeployCommands();
    for (const { config } of regions) {
      const mine = commands.map((c, i) => [c, i] as const).filter(([c]) => c.includes(`--context ${config.name} `));
      const first = mine.findIndex(([c]) => c.endsWith(`k8s/dist/${config.name}/0000-namespace.k8s.yaml`));
      const last = mine.findIndex(([c]) => c.endsWith(`-f k8s/dist/${config.name}`));
      expect(first).toBe(0);
      expect(last).toBe(mine.length - 1);
    }
  });
});
