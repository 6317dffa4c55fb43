import { apps, components } from "../../platform/topology.js";
import { baseEnvSchema } from "../shared/config.js";
import { eventMetrics } from "../shared/events/metrics.js";
import { runService } from "../shared/service.js";
import { backgroundTurns, writeLease } from "../shared/application/lease.js";
import { viewApplication } from "./application.js";
import { DeadLetters, deadLetterRoutes, startRedriver } from "./dead-letters.js";
import { viewOperatorRoutes } from "./operator-routes.js";
import { invokedOrderStreams } from "./order-streams.js";
import { viewPublicRoutes } from "./public-routes.js";
import { viewSubscriptions } from "./subscriptions.js";
import { Views } from "./views.js";

await runService({
  name: apps.orderView,
  env: baseEnvSchema,
  compose: ({ config, sidecar, log, registry }) => {
    const region = config.REGION;
    const metrics = eventMetrics(registry);
    // One lease for every key order-view writes: across replicas, the lock store's (WRITE_LEASE).
    const lease = writeLease(config.WRITE_LEASE, sidecar, apps.orderView);
    const app = viewApplication({
      views: new Views(sidecar, components.viewStore, lease),
      streams: invokedOrderStreams(sidecar, apps.orders),
      lease,
      log,
      clock: () => new Date(),
    });
    // The fault routes and the redriver share one DeadLetters.
    const deadLetters = new DeadLetters({ sidecar, store: components.viewStore, region, log, lease });
    return {
      routes: [
        viewPublicRoutes(app),
        viewSubscriptions(app, { region, sidecar, log, metrics }),
        viewOperatorRoutes(app),
        deadLetterRoutes({ region, log, deadLetters }),
      ],
      workers: [startRedriver(deadLetters, registry, log, backgroundTurns(config.WRITE_LEASE, sidecar, `${apps.orderView}-redrive`, 10))],
    };
  },
});
