import { apps, components } from "../../platform/topology.js";
import { baseEnvSchema } from "../shared/config.js";
import { RecordStore } from "../shared/dapr/record-store.js";
import { eventMetrics } from "../shared/events/metrics.js";
import { KeyedLock } from "../shared/keyed-lock.js";
import { runService } from "../shared/service.js";
import { inventoryRoutes } from "./routes.js";

await runService({
  name: apps.inventory,
  env: baseEnvSchema,
  routes: ({ config, sidecar, log, registry }) => [
    inventoryRoutes({
      region: config.REGION,
      records: new RecordStore(sidecar, components.inventoryStore, `${apps.inventory}/${config.REGION}`),
      lock: new KeyedLock(),
      clock: () => new Date(),
      sidecar,
      log,
      metrics: eventMetrics(registry),
    }),
  ],
});
