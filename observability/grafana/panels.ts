/**
 * Panel factories every dashboard shares: one look for a time series, a stat and a row, so
 * dashboards differ only in what they show. Each query names its legend; every panel resolves
 * its data source through the `datasource` variable.
 */
import {
  LegendDisplayMode,
  LegendPlacement,
  ReduceDataOptionsBuilder,
  StackingConfigBuilder,
  StackingMode,
  VizLegendOptionsBuilder,
} from "@grafana/grafana-foundation-sdk/common";
import { RowBuilder } from "@grafana/grafana-foundation-sdk/dashboard";
import { DataqueryBuilder } from "@grafana/grafana-foundation-sdk/prometheus";
import { PanelBuilder as StatPanelBuilder } from "@grafana/grafana-foundation-sdk/stat";
import { PanelBuilder as TimeseriesPanelBuilder } from "@grafana/grafana-foundation-sdk/timeseries";
import { datasource } from "./datasource.js";

/** One PromQL query of a panel, with the legend its series get (`{{label}}` placeholders). */
export interface Query {
  readonly expr: string;
  readonly legend: string;
}

export interface PanelSpec {
  readonly title: string;
  /** What the panel shows and how to read it; Grafana shows it as the panel's tooltip. */
  readonly description: string;
  /** A Grafana unit id, e.g. "reqps", "s", "percentunit". */
  readonly unit: string;
  readonly queries: readonly Query[];
  /** Grid columns out of 24; 8 puts three panels in a row. */
  readonly width?: number;
}

const refId = (i: number): string => String.fromCharCode("A".charCodeAt(0) + i);

function targets(queries: readonly Query[]): DataqueryBuilder[] {
  return queries.map((q, i) => new DataqueryBuilder().datasource(datasource).expr(q.expr).legendFormat(q.legend).range().refId(refId(i)));
}

/** A line per series over time: rates, ratios, latencies. */
export function timeseries(spec: PanelSpec & { readonly stacked?: boolean; readonly min?: number }): TimeseriesPanelBuilder {
  const panel = new TimeseriesPanelBuilder()
    .title(spec.title)
    .description(spec.description)
    .datasource(datasource)
    .unit(spec.unit)
    .span(spec.width ?? 8)
    .height(8)
    .fillOpacity(spec.stacked ? 30 : 10)
    .legend(new VizLegendOptionsBuilder().showLegend(true).displayMode(LegendDisplayMode.List).placement(LegendPlacement.Bottom))
    .targets(targets(spec.queries));
  if (spec.min !== undefined) panel.min(spec.min);
  if (spec.stacked) panel.stacking(new StackingConfigBuilder().mode(StackingMode.Normal));
  return panel;
}

/** One big number per series: counts over the dashboard's range, current levels. */
export function stat(spec: PanelSpec): StatPanelBuilder {
  return new StatPanelBuilder()
    .title(spec.title)
    .description(spec.description)
    .datasource(datasource)
    .unit(spec.unit)
    .span(spec.width ?? 6)
    .height(5)
    .reduceOptions(new ReduceDataOptionsBuilder().calcs(["lastNotNull"]).values(false))
    .targets(targets(spec.queries));
}

export function row(title: string): RowBuilder {
  return new RowBuilder(title);
}
