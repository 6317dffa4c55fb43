import { z } from "zod";
import { apps, components } from "../../platform/topology.js";
import { baseEnvSchema } from "../shared/config.js";
import { RecordStore } from "../shared/dapr/record-store.js";
import { commitPublishing } from "../shared/dapr/commit-publisher.js";
import { eventMetrics } from "../shared/events/metrics.js";
import { runService } from "../shared/service.js";
import { writeLease } from "../shared/application/lease.js";
import { paymentsApplication } from "./application.js";
import { paymentsPublicRoutes } from "./public-routes.js";
import { paymentsSubscriptions } from "./subscriptions.js";
import { paymentsCommandRoutes } from "./command-routes.js";

await runService({
  name: apps.payments,
  // The simulated provider declines orders whose total exceeds this.
  env: baseEnvSchema.extend({ PAYMENT_LIMIT: z.coerce.number().min(0).default(5000) }),
  compose: ({ config, sidecar, log, registry }) => {
    const metrics = eventMetrics(registry);
    const source = `${apps.payments}/${config.REGION}`;
    const { publisher, relayRoutes } = commitPublishing({
      publishOnCommit: config.PUBLISH_ON_COMMIT,
      sidecar,
      store: components.paymentsStore,
      app: apps.payments,
      region: config.REGION,
      log,
      metrics,
    });
    const app = paymentsApplication({
      region: config.REGION,
      clock: () => new Date(),
      limit: config.PAYMENT_LIMIT,
      records: new RecordStore(sidecar, components.paymentsStore, source, publisher),
      lease: writeLease(config.WRITE_LEASE, sidecar, apps.payments),
      metrics,
    });
    return {
      routes: [
        paymentsPublicRoutes(app),
        paymentsSubscriptions(app, { region: config.REGION, sidecar, log, metrics, saga: config.SAGA }),
        paymentsCommandRoutes(app),
        relayRoutes,
      ],
    };
  },
});
