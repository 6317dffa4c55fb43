import { apps, components } from "../../platform/topology.js";
import { baseEnvSchema } from "../shared/config.js";
import { eventMetrics } from "../shared/events/metrics.js";
import { KeyedLock } from "../shared/keyed-lock.js";
import { runService } from "../shared/service.js";
import { DeadLetters, deadLetterRoutes, startRedriver } from "./dead-letters.js";
import { viewRoutes } from "./routes.js";
import { Views } from "./views.js";

type Ctx = Parameters<Parameters<typeof runService>[0]["routes"]>[0];

/** One DeadLetters per service: its routes and its redriver share the index lock. */
const shared = new WeakMap<object, DeadLetters>();
function deadLettersOf({ config, sidecar, log }: Ctx): DeadLetters {
  let found = shared.get(sidecar);
  if (!found) shared.set(sidecar, (found = new DeadLetters({ sidecar, store: components.viewStore, region: config.REGION, log })));
  return found;
}

await runService({
  name: apps.orderView,
  env: baseEnvSchema,
  routes: (ctx) => {
    const { config, sidecar, log, registry } = ctx;
    return [
      viewRoutes({
        views: new Views(sidecar, components.viewStore),
        sidecar,
        ordersApp: apps.orders,
        lock: new KeyedLock(),
        log,
        region: config.REGION,
        metrics: eventMetrics(registry),
      }),
      deadLetterRoutes({ region: config.REGION, log, deadLetters: deadLettersOf(ctx) }),
    ];
  },
  workers: (ctx) => [startRedriver(deadLettersOf(ctx), ctx.registry, ctx.log)],
});
