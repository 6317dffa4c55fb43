import { z } from "zod";
import { apps, components } from "../../platform/topology.js";
import { baseEnvSchema } from "../shared/config.js";
import { RecordStore } from "../shared/dapr/record-store.js";
import { eventMetrics } from "../shared/events/metrics.js";
import { KeyedLock } from "../shared/keyed-lock.js";
import { runService } from "../shared/service.js";
import { paymentsRoutes } from "./routes.js";

await runService({
  name: apps.payments,
  // The simulated provider declines orders whose total exceeds this.
  env: baseEnvSchema.extend({ PAYMENT_LIMIT: z.coerce.number().min(0).default(5000) }),
  routes: ({ config, sidecar, log, registry }) => [
    paymentsRoutes({
      region: config.REGION,
      limit: config.PAYMENT_LIMIT,
      records: new RecordStore(sidecar, components.paymentsStore, `${apps.payments}/${config.REGION}`),
      lock: new KeyedLock(),
      clock: () => new Date(),
      sidecar,
      log,
      metrics: eventMetrics(registry),
    }),
  ],
});
