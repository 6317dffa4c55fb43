import { apps, components } from "../../platform/topology.js";
import { baseEnvSchema } from "../shared/config.js";
import { eventMetrics } from "../shared/events/metrics.js";
import { KeyedLock } from "../shared/keyed-lock.js";
import { runService } from "../shared/service.js";
import { deadLetterRoutes } from "./dead-letters.js";
import { viewRoutes } from "./routes.js";
import { Views } from "./views.js";

await runService({
  name: apps.orderView,
  env: baseEnvSchema,
  routes: ({ config, sidecar, log, registry }) => [
    viewRoutes({
      views: new Views(sidecar, components.viewStore),
      sidecar,
      ordersApp: apps.orders,
      lock: new KeyedLock(),
      log,
      region: config.REGION,
      metrics: eventMetrics(registry),
    }),
    deadLetterRoutes({ sidecar, store: components.viewStore, region: config.REGION, log }),
  ],
});
