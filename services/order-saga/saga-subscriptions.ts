import { type DaprWorkflowClient, WorkflowRuntimeStatus } from "@dapr/dapr";
import { context, propagation } from "@opentelemetry/api";
import { Router } from "express";
import { orderSaga, topics, workflowApps } from "../../platform/topology.js";
import type { Outcome } from "../shared/application/outcome.js";
import { type SubscriberDeps, subscribeTopics } from "../shared/dapr/subscriber.js";
import type { EventRecord } from "../shared/events/envelope.js";
import { orderEventTypes } from "../shared/events/order-events.js";
import type { OrderSagaInput, SagaStep, TraceCarrier } from "./saga-workflow.js";
import type { WorkflowMetrics } from "./workflow-metrics.js";

/** The compensation's instance id: one per order, so a repeated cancel starts it once. */
export const compensationInstanceOf = (orderId: string) => `${orderId}-cancel`;

/**
 * Schedules `workflow` as `instanceId` unless it exists: deliveries are repeated (at-least-once)
 * and a start must be idempotent. Scheduling first and looking only when that fails keeps the
 * common case to one call to the sidecar.
 */
async function startOnce(client: DaprWorkflowClient, workflow: string, instanceId: string, input: unknown): Promise<boolean> {
  try {
    await client.scheduleNewWorkflow(workflow, input, instanceId);
    return true;
  } catch (err) {
    if (await client.getWorkflowState(instanceId, false)) return false;
    throw err;
  }
}

/** The delivery's trace (the POST that committed the event; empty when tracing is off), for the workflow's activities. */
function currentTrace(): TraceCarrier {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier;
}

export interface SagaSubscriptionDeps extends SubscriberDeps {
  readonly client: DaprWorkflowClient;
  readonly paymentTimeoutSeconds: number;
  readonly workflowMetrics: WorkflowMetrics;
}

/**
 * The saga's starts, from the region's own order events (replicated orders were handled at home):
 * - order.placed starts its saga, with the order id as the instance id;
 * - order.cancelled (the user's cancel, committed) is raised on the saga if it still runs, so it
 *   stops waiting for the payment, and always starts a compensation, which gives back whatever the
 *   order holds whether the saga is before, inside or past its payment step. A cancel delivered
 *   before its order.placed is safe too: the compensation's tombstones refuse the saga's steps.
 */
export function sagaSubscriptions(deps: SagaSubscriptionDeps): Router {
  const { client, paymentTimeoutSeconds, workflowMetrics } = deps;
  const start = async (workflow: string, instanceId: string, input: unknown): Promise<Outcome> => {
    const started = await startOnce(client, workflow, instanceId, input);
    if (!started) return "duplicate";
    workflowMetrics.started.inc({ workflow });
    return "applied";
  };

  const onOrderEvent = async (event: EventRecord): Promise<Outcome> => {
    if (event.type === orderEventTypes.placed) {
      const input: OrderSagaInput = { placed: event, paymentTimeoutSeconds, trace: currentTrace() };
      return start(orderSaga.workflow, event.subject, input);
    }
    if (event.type === orderEventTypes.cancelled) {
      const saga = await client.getWorkflowState(event.subject, false);
      if (saga?.runtimeStatus === WorkflowRuntimeStatus.RUNNING || saga?.runtimeStatus === WorkflowRuntimeStatus.PENDING) {
        await client.raiseEvent(event.subject, orderSaga.cancelEvent, event);
      }
      const compensation: SagaStep<EventRecord> = { input: event, trace: currentTrace() };
      return start(orderSaga.compensation, compensationInstanceOf(event.subject), compensation);
    }
    return "ignored";
  };

  const router = Router();
  subscribeTopics(router, { ...deps, app: workflowApps.orderSaga, localOnly: true }, { [topics.orders]: onOrderEvent });
  return router;
}
