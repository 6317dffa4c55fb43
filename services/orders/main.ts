import { z } from "zod";
import { apps, components } from "../../platform/topology.js";
import { baseEnvSchema } from "../shared/config.js";
import { EventStore } from "../shared/dapr/event-store.js";
import { commitPublishing } from "../shared/dapr/commit-publisher.js";
import { eventMetrics } from "../shared/events/metrics.js";
import { KeyedLock } from "../shared/keyed-lock.js";
import { runService } from "../shared/service.js";
import { Catalog } from "./catalog.js";
import { ordersRoutes } from "./routes.js";

await runService({
  name: apps.orders,
  env: baseEnvSchema.extend({
    CURRENCY: z
      .string()
      .regex(/^[A-Z]{3}$/, "must be an ISO 4217 code like EUR")
      .default("EUR"),
  }),
  routes: ({ config, sidecar, log, registry }) => {
    const metrics = eventMetrics(registry);
    const source = `${apps.orders}/${config.REGION}`;
    const { publisher, relayRoutes } = commitPublishing({
      publishOnCommit: config.PUBLISH_ON_COMMIT,
      sidecar,
      store: components.ordersStore,
      app: apps.orders,
      region: config.REGION,
      log,
      metrics,
    });
    return [
      relayRoutes,
      ordersRoutes({
        region: config.REGION,
        currency: config.CURRENCY,
        events: new EventStore(sidecar, components.ordersStore, source, "order-", publisher),
        lock: new KeyedLock(),
        clock: () => new Date(),
        sidecar,
        log,
        metrics,
        catalog: new Catalog(sidecar, components.ordersCatalog, new KeyedLock()),
      }),
    ];
  },
});
