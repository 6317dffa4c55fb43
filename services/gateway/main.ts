import { apps } from "../../platform/topology.js";
import { baseEnvSchema, publicEdgeEnvSchema } from "../shared/config.js";
import { runService } from "../shared/service.js";
import { gatewayRoutes } from "./routes.js";

const targets = { ordersApp: apps.orders, viewApp: apps.orderView, inventoryApp: apps.inventory };

await runService({
  name: apps.gateway,
  env: baseEnvSchema.extend(publicEdgeEnvSchema.shape),
  compose: ({ config, sidecar }) => ({
    routes: [
      gatewayRoutes({
        region: config.REGION,
        sidecar,
        auth: { issuer: config.OIDC_ISSUER, audience: config.OIDC_AUDIENCE },
        rateLimit: { perSecond: config.RATE_LIMIT_PER_SECOND, burst: config.RATE_LIMIT_BURST },
        ...targets,
      }),
    ],
    // Every order needs orders, every read order-view: without them the gateway could only answer 503.
    readiness: {
      [apps.orders]: () => sidecar.canReach(apps.orders),
      [apps.orderView]: () => sidecar.canReach(apps.orderView),
    },
  }),
});
