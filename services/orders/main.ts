import { apps, components } from "../../platform/topology.js";
import { baseEnvSchema } from "../shared/config.js";
import { EventStore } from "../shared/dapr/event-store.js";
import { KeyedLock } from "../shared/keyed-lock.js";
import { runService } from "../shared/service.js";
import { ordersRoutes } from "./routes.js";

await runService({
  name: apps.orders,
  env: baseEnvSchema,
  routes: ({ config, sidecar }) => [
    ordersRoutes({
      region: config.REGION,
      events: new EventStore(sidecar, components.ordersStore, `${apps.orders}/${config.REGION}`, "order-"),
      lock: new KeyedLock(),
      clock: () => new Date(),
    }),
  ],
});
