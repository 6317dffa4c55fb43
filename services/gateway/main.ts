import { apps } from "../../platform/topology.js";
import { baseEnvSchema } from "../shared/config.js";
import { runService } from "../shared/service.js";
import { gatewayRoutes } from "./routes.js";

await runService({
  name: apps.gateway,
  env: baseEnvSchema,
  routes: ({ config, sidecar }) => [
    gatewayRoutes({
      region: config.REGION,
      sidecar,
      ordersApp: apps.orders,
      viewApp: apps.orderView,
      inventoryApp: apps.inventory,
      replicatorApp: apps.replicator,
    }),
  ],
});
