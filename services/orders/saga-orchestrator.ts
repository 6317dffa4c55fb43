import { workflowApps } from "../../platform/topology.js";
import type { Sidecar } from "../shared/dapr/sidecar.js";
import type { EventRecord } from "../shared/events/envelope.js";
import { sagaRoutes } from "../shared/saga/messages.js";
import type { SagaOrchestrator } from "./application.js";

/** The region's order-saga app, reached through service invocation (it schedules on its own sidecar). */
export function sagaOrchestrator(sidecar: Sidecar): SagaOrchestrator {
  return {
    start: async (placed: EventRecord) => {
      await sidecar.invoke(workflowApps.orderSaga, sagaRoutes.start, "POST", placed);
    },
    cancelled: async (cancelled: EventRecord) => {
      await sidecar.invoke(workflowApps.orderSaga, sagaRoutes.cancel(cancelled.subject), "POST", cancelled);
    },
  };
}
