import { DatasourceVariableBuilder, QueryVariableBuilder, VariableRefresh, VariableSort } from "@grafana/grafana-foundation-sdk/dashboard";
import { appMetrics, serviceLabels } from "../metrics.js";
import { datasource, datasourceUid, variables } from "./datasource.js";

/** Picks the Prometheus to query; defaults to the one with the stable uid. */
export function datasourceVariable(): DatasourceVariableBuilder {
  return new DatasourceVariableBuilder(variables.datasource)
    .label("Data source")
    .type("prometheus")
    .current({ text: datasourceUid, value: datasourceUid });
}

/**
 * The regions that report requests. Every service sample carries its region (a constant label
 * the service sets itself), so this lists regions without knowing their names in advance.
 */
export const regionValuesQuery = `label_values(${appMetrics.httpDuration.name}_count, ${serviceLabels.region})`;

export function regionVariable(): QueryVariableBuilder {
  return new QueryVariableBuilder(variables.region)
    .label("Region")
    .datasource(datasource)
    .query(regionValuesQuery)
    .definition(regionValuesQuery)
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.AlphabeticalAsc)
    .multi(true)
    .includeAll(true)
    .current({ text: "All", value: "$__all" });
}
