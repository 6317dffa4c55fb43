import { join } from "node:path";
import { projectRoot } from "../platform/paths.js";

/** Where the generated files live: Grafana dashboards (JSON) and Prometheus rule files (YAML). */
export const dashboardsDir = join(projectRoot, "observability", "dashboards");
export const alertsDir = join(projectRoot, "observability", "alerts");
