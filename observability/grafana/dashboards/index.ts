import type { DashboardBuilder } from "@grafana/grafana-foundation-sdk/dashboard";
import { daprSidecars } from "./dapr-sidecars.js";
import { regionOverview } from "./region-overview.js";
import { replication } from "./replication.js";
import { sagaFlow } from "./saga-flow.js";

/** Every dashboard and the file it is written to under observability/dashboards/. */
export const dashboards: readonly { readonly file: string; readonly build: () => DashboardBuilder }[] = [
  { file: "region-overview.json", build: regionOverview },
  { file: "saga-flow.json", build: sagaFlow },
  { file: "dapr-sidecars.json", build: daprSidecars },
  { file: "replication.json", build: replication },
];
