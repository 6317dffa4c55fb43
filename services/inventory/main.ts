import { apps, components } from "../../platform/topology.js";
import { baseEnvSchema } from "../shared/config.js";
import { RecordStore } from "../shared/dapr/record-store.js";
import { commitPublishing } from "../shared/dapr/commit-publisher.js";
import { eventMetrics } from "../shared/events/metrics.js";
import { KeyedLock } from "../shared/keyed-lock.js";
import { runService } from "../shared/service.js";
import { inventoryRoutes } from "./routes.js";

await runService({
  name: apps.inventory,
  env: baseEnvSchema,
  routes: ({ config, sidecar, log, registry }) => {
    const metrics = eventMetrics(registry);
    const source = `${apps.inventory}/${config.REGION}`;
    const { publisher, relayRoutes } = commitPublishing({
      publishOnCommit: config.PUBLISH_ON_COMMIT,
      sidecar,
      store: components.inventoryStore,
      app: apps.inventory,
      region: config.REGION,
      log,
      metrics,
    });
    return [
      relayRoutes,
      inventoryRoutes({
        region: config.REGION,
        records: new RecordStore(sidecar, components.inventoryStore, source, publisher),
        lock: new KeyedLock(),
        clock: () => new Date(),
        sidecar,
        log,
        metrics,
      }),
    ];
  },
});
