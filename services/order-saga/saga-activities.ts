/**
 * The saga's activities: each one service invocation of a command (services/<app>/command-routes.ts).
 * Dapr Workflow runs an activity at least once (again after a crash), and the commands are the
 * services' idempotent reactions, so running one twice changes nothing.
 */
import type { WorkflowActivityContext } from "@dapr/dapr";
import { apps } from "../../platform/topology.js";
import type { Sidecar } from "../shared/dapr/sidecar.js";
import { InvocationError } from "../shared/errors.js";
import type { EventRecord } from "../shared/events/envelope.js";
import { sagaCommands } from "../shared/saga/messages.js";
import { sagaActivities } from "./saga-workflow.js";

/**
 * How long an activity keeps calling a service that does not answer (restarting, overloaded)
 * before it fails its workflow. @dapr/dapr 3.6 has no activity retry policy, so the activity
 * retries itself; a refusal (4xx) is final at once.
 */
const retry = { firstDelayMs: 200, maxDelayMs: 5000, giveUpAfterMs: 10 * 60_000 } as const;

async function invokeUntilAnswered<T>(sidecar: Sidecar, app: string, method: string, body: unknown): Promise<T> {
  const started = Date.now();
  for (let delay: number = retry.firstDelayMs; ; delay = Math.min(delay * 2, retry.maxDelayMs)) {
    try {
      return await sidecar.invoke<T>(app, method, "POST", body);
    } catch (err) {
      if ((err instanceof InvocationError && err.refused) || Date.now() - started > retry.giveUpAfterMs) throw err;
      await new Promise((r) => setTimeout(r, delay * (0.5 + Math.random() / 2)));
    }
  }
}

export function sagaActivityHandlers(sidecar: Sidecar) {
  const command =
    (app: string, method: string) =>
    (_ctx: WorkflowActivityContext, input: EventRecord): Promise<unknown> =>
      invokeUntilAnswered(sidecar, app, method, input);
  return [
    { name: sagaActivities.reserve, run: command(apps.inventory, sagaCommands.reserve) },
    { name: sagaActivities.release, run: command(apps.inventory, sagaCommands.release) },
    { name: sagaActivities.authorize, run: command(apps.payments, sagaCommands.authorize) },
    { name: sagaActivities.refund, run: command(apps.payments, sagaCommands.refund) },
    { name: sagaActivities.advanceOrder, run: command(apps.orders, sagaCommands.advanceOrder) },
    {
      name: sagaActivities.timeOutOrder,
      run: (_ctx: WorkflowActivityContext, orderId: string): Promise<unknown> =>
        invokeUntilAnswered(sidecar, apps.orders, sagaCommands.timeOutOrder, { orderId }),
    },
  ];
}
