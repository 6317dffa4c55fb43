import { type DaprWorkflowClient, WorkflowRuntimeStatus } from "@dapr/dapr";
import { context, propagation } from "@opentelemetry/api";
import { Router } from "express";
import { orderSaga } from "../../platform/topology.js";
import { eventFromCaller } from "../shared/http/event-input.js";
import { orderIdParam } from "../shared/http/params.js";
import type { OrderSagaInput, SagaStep, TraceCarrier } from "./saga-workflow.js";
import type { WorkflowMetrics } from "./workflow-metrics.js";

/** The compensation's instance id: one per order, so a repeated cancel starts it once. */
export const compensationInstanceOf = (orderId: string) => `${orderId}-cancel`;

/**
 * Schedules `workflow` as `instanceId` unless it exists: starts are repeated (a client's retry)
 * and must be idempotent. Scheduling first and looking only when that fails keeps the common
 * case to one call to the sidecar: the start is on the path of every POST /orders.
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

/** The request's trace (empty when tracing is off), for the workflow to hand to its activities. */
function currentTrace(): TraceCarrier {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier;
}

/** What orders asks of the saga (the `sagas` invocation policy): start one, or cancel one. */
export function sagaRoutes(client: DaprWorkflowClient, paymentTimeoutSeconds: number, metrics: WorkflowMetrics): Router {
  const router = Router();
  const start = async (workflow: string, instanceId: string, input: unknown): Promise<boolean> => {
    const started = await startOnce(client, workflow, instanceId, input);
    if (started) metrics.started.inc({ workflow });
    return started;
  };

  /** A placed order: its saga, with the order id as the instance id. */
  router.post("/sagas", async (req, res) => {
    const placed = eventFromCaller(req.body, "placed");
    const input: OrderSagaInput = { placed, paymentTimeoutSeconds, trace: currentTrace() };
    const started = await start(orderSaga.workflow, placed.subject, input);
    res.status(started ? 201 : 200).json({ instanceId: placed.subject, started });
  });

  /**
   * The user's cancel (the order.cancelled event, already committed): raised on the saga if it
   * still runs, so it stops waiting for the payment, and always a compensation, which gives back
   * whatever the order holds whether the saga is before, inside or past its payment step.
   */
  router.post("/sagas/:orderId/cancel", async (req, res) => {
    const orderId = orderIdParam(req.params["orderId"]);
    const cancelled = eventFromCaller(req.body, "cancelled");
    const saga = await client.getWorkflowState(orderId, false);
    if (saga?.runtimeStatus === WorkflowRuntimeStatus.RUNNING || saga?.runtimeStatus === WorkflowRuntimeStatus.PENDING) {
      await client.raiseEvent(orderId, orderSaga.cancelEvent, cancelled);
    }
    const compensation: SagaStep<typeof cancelled> = { input: cancelled, trace: currentTrace() };
    const started = await start(orderSaga.compensation, compensationInstanceOf(orderId), compensation);
    res.status(started ? 201 : 200).json({ instanceId: compensationInstanceOf(orderId), started });
  });

  return router;
}
