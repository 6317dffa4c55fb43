import { apps, components } from "../../platform/topology.js";
import { baseEnvSchema } from "../shared/config.js";
import { KeyedLock } from "../shared/keyed-lock.js";
import { runService } from "../shared/service.js";
import { viewRoutes } from "./routes.js";
import { Views } from "./views.js";

await runService({
  name: apps.orderView,
  env: baseEnvSchema,
  routes: ({ sidecar, log }) => [
    viewRoutes({ views: new Views(sidecar, components.viewStore), sidecar, ordersApp: apps.orders, lock: new KeyedLock(), log }),
  ],
});
