import { apps } from "../../platform/topology.js";
import { adminEnvSchema, baseEnvSchema } from "../shared/config.js";
import { runService } from "../shared/service.js";
import { operatorRoutes } from "./routes.js";

/**
 * The operator app: the region's operator API on its admin port (behind the operator's
 * credential), and nothing on its app port but health and metrics for its sidecar and the kubelet.
 */
await runService({
  name: apps.operator,
  env: baseEnvSchema.extend(adminEnvSchema.shape),
  compose: ({ sidecar }) => ({
    routes: [],
    adminRoutes: [
      operatorRoutes({
        sidecar,
        ordersApp: apps.orders,
        viewApp: apps.orderView,
        inventoryApp: apps.inventory,
        replicatorApp: apps.replicator,
      }),
    ],
  }),
});
