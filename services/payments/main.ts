import { z } from "zod";
import { apps, components } from "../../platform/topology.js";
import { baseEnvSchema } from "../shared/config.js";
import { RecordStore } from "../shared/dapr/record-store.js";
import { commitPublishing } from "../shared/dapr/commit-publisher.js";
import { eventMetrics } from "../shared/events/metrics.js";
import { KeyedLock } from "../shared/keyed-lock.js";
import { runService } from "../shared/service.js";
import { paymentsRoutes } from "./routes.js";

await runService({
  name: apps.payments,
  // The simulated provider declines orders whose total exceeds this.
  env: baseEnvSchema.extend({ PAYMENT_LIMIT: z.coerce.number().min(0).default(5000) }),
  routes: ({ config, sidecar, log, registry }) => {
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
    return [
      relayRoutes,
      paymentsRoutes({
        region: config.REGION,
        limit: config.PAYMENT_LIMIT,
        records: new RecordStore(sidecar, components.paymentsStore, source, publisher),
        lock: new KeyedLock(),
        clock: () => new Date(),
        sidecar,
        log,
        metrics,
      }),
    ];
  },
});
