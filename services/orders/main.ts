import { z } from "zod";
import { apps, components } from "../../platform/topology.js";
import { baseEnvSchema } from "../shared/config.js";
import { EventStore } from "../shared/dapr/event-store.js";
import { commitPublishing } from "../shared/dapr/commit-publisher.js";
import { eventMetrics } from "../shared/events/metrics.js";
import { runService } from "../shared/service.js";
import { writeLease } from "../shared/application/lease.js";
import { ordersApplication } from "./application.js";
import { Catalog } from "./catalog.js";
import { ordersPeerRoutes } from "./peer-routes.js";
import { ordersPublicRoutes } from "./public-routes.js";
import { ordersSubscriptions } from "./subscriptions.js";
import { ordersCommandRoutes } from "./command-routes.js";
import { PriceList } from "./price-list.js";
import { priceRoutes } from "./price-routes.js";

await runService({
  name: apps.orders,
  env: baseEnvSchema.extend({
    CURRENCY: z
      .string()
      .regex(/^[A-Z]{3}$/, "must be an ISO 4217 code like EUR")
      .default("EUR"),
  }),
  compose: ({ config, sidecar, log, registry }) => {
    const metrics = eventMetrics(registry);
    const region = config.REGION;
    const { publisher, relayRoutes } = commitPublishing({
      publishOnCommit: config.PUBLISH_ON_COMMIT,
      sidecar,
      store: components.ordersStore,
      app: apps.orders,
      region,
      log,
      metrics,
    });
    const catalog = new Catalog(sidecar, components.ordersCatalog);
    const prices = new PriceList(sidecar, components.ordersCatalog, config.CURRENCY);
    const clock = () => new Date();
    const app = ordersApplication({
      region,
      clock,
      events: new EventStore(sidecar, components.ordersStore, `${apps.orders}/${region}`, "order-", publisher),
      catalog,
      prices,
      lease: writeLease(config.WRITE_LEASE, sidecar, apps.orders),
      metrics,
    });
    return {
      routes: [
        ordersPublicRoutes(app, config.CURRENCY),
        ordersPeerRoutes(app, catalog, region),
        ordersSubscriptions(app, { region, sidecar, log, metrics, saga: config.SAGA }),
        ordersCommandRoutes(app),
        priceRoutes(prices, clock),
        relayRoutes,
      ],
    };
  },
});
