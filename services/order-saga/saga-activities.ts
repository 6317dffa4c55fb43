/**
 * The saga's activities: each one service invocation of a command (services/<app>/command-routes.ts).
 * Dapr Workflow runs an activity at least once (again after a crash), and the commands are the
 * services' idempotent reactions, so running one twice changes nothing.
 */
import type { WorkflowActivityContext } from "@dapr/dapr";
import { ROOT_CONTEXT, SpanStatusCode, context, propagation, trace } from "@opentelemetry/api";
import { apps } from "../../platform/topology.js";
import type { Sidecar } from "../shared/dapr/sidecar.js";
import { InvocationError } from "../shared/errors.js";
import type { EventRecord } from "../shared/events/envelope.js";
import { sagaCommands } from "../shared/saga/messages.js";
import { type SagaStep, sagaActivities } from "./saga-workflow.js";

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

const tracer = trace.getTracer("order-saga");

/**
 * Runs an activity as a span of the trace that started its workflow: the SDK calls activities
 * with no context of their own, so without this each step's calls would start traces of their own.
 */
function inTrace<T>(name: string, step: SagaStep<unknown>, run: () => Promise<T>): Promise<T> {
  return context.with(propagation.extract(ROOT_CONTEXT, step.trace), () =>
    tracer.startActiveSpan(name, async (span) => {
      try {
        return await run();
      } catch (err) {
        span.recordException(err as Error);
        span.setStatus({ code: SpanStatusCode.ERROR });
        throw err;
      } finally {
        span.end();
      }
    }),
  );
}

export function sagaActivityHandlers(sidecar: Sidecar) {
  const activity =
    <T>(name: string, app: string, method: string, body: (input: T) => unknown) =>
    (_ctx: WorkflowActivityContext, step: SagaStep<T>): Promise<unknown> =>
      inTrace(name, step, () => invokeUntilAnswered(sidecar, app, method, body(step.input)));
  const command = (name: string, app: string, method: string) => activity<EventRecord>(name, app, method, (event) => event);
  const { reserve, release, authorize, refund, advanceOrder, timeOutOrder } = sagaActivities;
  return [
    { name: reserve, run: command(reserve, apps.inventory, sagaCommands.reserve) },
    { name: release, run: command(release, apps.inventory, sagaCommands.release) },
    { name: authorize, run: command(authorize, apps.payments, sagaCommands.authorize) },
    { name: refund, run: command(refund, apps.payments, sagaCommands.refund) },
    { name: advanceOrder, run: command(advanceOrder, apps.orders, sagaCommands.advanceOrder) },
    { name: timeOutOrder, run: activity<string>(timeOutOrder, apps.orders, sagaCommands.timeOutOrder, (orderId) => ({ orderId })) },
  ];
}
