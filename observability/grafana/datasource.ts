import type { DataSourceRef } from "@grafana/grafana-foundation-sdk/common";
import { serviceLabels } from "../metrics.js";
import { type Matcher, re } from "../promql.js";

/**
 * The uid of the Prometheus data source the dashboards use by default. Give the data source this
 * uid when adding it to Grafana (observability/README.md) and the dashboards work unchanged;
 * any other Prometheus can be picked in the `datasource` variable.
 */
export const datasourceUid = "meridian-prometheus";

/** Dashboard template variables, by name; panels refer to them as `$name`. */
export const variables = { datasource: "datasource", region: "region" } as const;

/** Every panel and query resolves its data source through the variable, never a fixed uid. */
export const datasource: DataSourceRef = { type: "prometheus", uid: `\${${variables.datasource}}` };

/** Grafana's rate window: at least four scrape intervals, whatever the zoom. */
export const rateInterval = "$__rate_interval";
/** The dashboard's whole time range, for "how many in the range" figures. */
export const timeRange = "$__range";

/** Restricts a query to the regions chosen in the `region` variable (one, several or all). */
export const inRegion: Matcher = re(serviceLabels.region, `$${variables.region}`);
