import { type Dashboard, DashboardBuilder, DashboardCursorSync } from "@grafana/grafana-foundation-sdk/dashboard";
import { datasourceVariable, regionVariable } from "./variables.js";

export interface DashboardSpec {
  /** Stable uid: links and bookmarks to the dashboard survive regeneration and re-import. */
  readonly uid: string;
  readonly title: string;
  readonly description: string;
}

/** A dashboard with the shared frame: tags, time range, refresh, cursor sync and the variables. */
export function meridianDashboard(spec: DashboardSpec): DashboardBuilder {
  return new DashboardBuilder(spec.title)
    .uid(spec.uid)
    .description(spec.description)
    .tags(["meridian", "generated"])
    .editable()
    .time({ from: "now-1h", to: "now" })
    .refresh("30s")
    .timezone("browser")
    .tooltip(DashboardCursorSync.Crosshair)
    .withVariable(datasourceVariable())
    .withVariable(regionVariable());
}

/**
 * Builds the dashboard with panel ids 1..n in layout order. Grafana needs unique ids (links to a
 * panel use them); numbering them here keeps them stable across regenerations.
 */
export function buildDashboard(builder: DashboardBuilder): Dashboard {
  const dashboard = builder.build();
  dashboard.panels?.forEach((panel, i) => {
    panel.id = i + 1;
  });
  return dashboard;
}
