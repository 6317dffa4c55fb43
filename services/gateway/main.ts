import { apps } from "../../platform/topology.js";
import { adminEnvSchema, baseEnvSchema, customerAuthEnvSchema } from "../shared/config.js";
import { runService } from "../shared/service.js";
import { gatewayAdminRoutes } from "./admin-routes.js";
import { gatewayRoutes } from "./routes.js";

const targets = { ordersApp: apps.orders, viewApp: apps.orderView, inventoryApp: apps.inventory, replicatorApp: apps.replicator };

await runService({
  name: apps.gateway,
  env: baseEnvSchema.extend(adminEnvSchema.shape).extend(customerAuthEnvSchema.shape),
  compose: ({ config, sidecar }) => ({
    routes: [
      gatewayRoutes({ region: config.REGION, sidecar, auth: { issuer: config.OIDC_ISSUER, audience: config.OIDC_AUDIENCE }, ...targets }),
    ],
    adminRoutes: [gatewayAdminRoutes({ region: config.REGION, sidecar, ...targets })],
    // Every order needs orders, every read order-view: without them the gateway could only answer 503.
    readiness: {
      [apps.orders]: () => sidecar.canReach(apps.orders),
      [apps.orderView]: () => sidecar.canReach(apps.orderView),
    },
  }),
});
