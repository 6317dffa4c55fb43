import { describe, expect, it } from "vitest";
import { buildDashboard } from "../../observability/grafana/dashboard.js";
import { datasource, datasourceUid, variables } from "../../observability/grafana/datasource.js";
import { dashboards } from "../../observability/grafana/dashboards/index.js";
import { ruleFiles } from "../../observability/rules/index.js";

const built = dashboards.map((d) => buildDashboard(d.build()));
const rules = ruleFiles.flatMap((f) => f.groups.flatMap((g) => g.rules));

describe("dashboards", () => {
  it("have stable, distinct uids", () => {
    expect(built.map((d) => d.uid)).toEqual([
      "meridian-region-overview",
      "meridian-saga-flow",
      "meridian-dapr-sidecars",
      "meridian-replication",
    ]);
  });

  it.each(built)("$title: a datasource variable defaulting to the stable uid, and a region variable", (d) => {
    const list = d.templating?.list ?? [];
    expect(list.map((v) => v.name)).toEqual([variables.datasource, variables.region]);
    expect(list[0]?.current).toMatchObject({ value: datasourceUid });
  });

  it.each(built)("$title: unique panel ids; every query goes through the datasource variable and filters by region", (d) => {
    const panels = d.panels ?? [];
    expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
    const targets = panels.flatMap((p) => ("targets" in p ? (p.targets ?? []) : [])) as { expr?: string; datasource?: unknown }[];
    expect(targets.length).toBeGreaterThan(5);
    for (const t of targets) {
      expect(t.datasource).toEqual(datasource);
      expect(t.expr).toContain(`region=~"$${variables.region}"`);
    }
  });
});

describe("alert rules", () => {
  it("have unique names, a severity and both annotations", () => {
    expect(new Set(rules.map((r) => r.alert)).size).toBe(rules.length);
    for (const r of rules) {
      expect(["page", "ticket"]).toContain(r.labels.severity);
      expect(r.annotations.summary.length).toBeGreaterThan(10);
      expect(r.annotations.description.length).toBeGreaterThan(10);
    }
  });

  it("cover the failure modes the system has", () => {
    expect(rules.map((r) => r.alert).sort()).toEqual([
      "MeridianDeadLetters",
      "MeridianDeadLettersNeedOperator",
      "MeridianDeadLettersRedriving",
      "MeridianEventHandlerFailures",
      "MeridianHighErrorRatio",
      "MeridianPubsubDeliveryFailures",
      "MeridianReplicationBacklog",
      "MeridianReplicationLagHigh",
      "MeridianServiceDown",
      "MeridianSidecarDown",
      "MeridianStuckSagas",
      "MeridianWorkflowsStuck",
    ]);
  });
});
