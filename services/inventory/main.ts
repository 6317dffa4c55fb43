import { apps, components } from "../../platform/topology.js";
import { baseEnvSchema } from "../shared/config.js";
import { RecordStore } from "../shared/dapr/record-store.js";
import { commitPublishing } from "../shared/dapr/commit-publisher.js";
import { eventMetrics } from "../shared/events/metrics.js";
import { runService } from "../shared/service.js";
import { writeLease } from "../shared/application/lease.js";
import { inventoryAdminRoutes } from "./admin-routes.js";
import { inventoryApplication } from "./application.js";
import { inventoryPublicRoutes } from "./public-routes.js";
import { inventorySubscriptions } from "./subscriptions.js";
import { inventoryCommandRoutes } from "./command-routes.js";

await runService({
  name: apps.inventory,
  env: baseEnvSchema,
  compose: ({ config, sidecar, log, registry }) => {
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
    const app = inventoryApplication({
      region: config.REGION,
      clock: () => new Date(),
      records: new RecordStore(sidecar, components.inventoryStore, source, publisher),
      lease: writeLease(config.WRITE_LEASE, sidecar, apps.inventory),
      metrics,
    });
    return {
      routes: [
        inventoryPublicRoutes(app, config.REGION),
        inventoryAdminRoutes(app),
        inventorySubscriptions(app, { region: config.REGION, sidecar, log, metrics, saga: config.SAGA }),
        inventoryCommandRoutes(app),
        relayRoutes,
      ],
    };
  },
});
