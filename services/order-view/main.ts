import { apps, components } from "../../platform/topology.js";
import { baseEnvSchema } from "../shared/config.js";
import { eventMetrics } from "../shared/events/metrics.js";
import { KeyedLock } from "../shared/keyed-lock.js";
import { runService } from "../shared/service.js";
import { backgroundTurns } from "../shared/application/lease.js";
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
    const app = viewApplication({
      views: new Views(sidecar, components.viewStore),
      streams: invokedOrderStreams(sidecar, apps.orders),
      lock: new KeyedLock(),
      log,
      clock: () => new Date(),
    });
    // The fault routes and the redriver share one DeadLetters (and its index lock).
    const deadLetters = new DeadLetters({ sidecar, store: components.viewStore, region, log });
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
