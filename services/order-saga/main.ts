import { DaprWorkflowClient, LogLevel, WorkflowRuntime } from "@dapr/dapr";
import { z } from "zod";
import { orderSaga, workflowApps, workflowStateStore } from "../../platform/topology.js";
import { baseEnvSchema, port } from "../shared/config.js";
import { eventMetrics } from "../shared/events/metrics.js";
import { errorFields } from "../shared/log.js";
import { runService } from "../shared/service.js";
import { ExecutionLog } from "./executions.js";
import { runtimeCheck, runtimeCheckActivities, runtimeCheckWorkflow } from "./runtime-check.js";
import { observed } from "./observed-workflow.js";
import { RunningWorkflows, startOverdueCheck } from "./running-workflows.js";
import { sagaActivityHandlers } from "./saga-activities.js";
import { sagaSubscriptions } from "./saga-subscriptions.js";
import { orderCompensationWorkflow, orderSagaWorkflow } from "./saga-workflow.js";
import { workflowMetrics, workflowOutcomes } from "./workflow-metrics.js";

/**
 * The workflow app: its workflows and activities run here, driven by its sidecar over gRPC (the
 * @dapr/dapr workflow runtime keeps one stream open to daprd and executes the work items daprd
 * sends). Its HTTP side takes the region's order events (a Dapr subscription), which start sagas
 * and their compensations.
 */
let started = false;
await runService({
  name: workflowApps.orderSaga,
  env: baseEnvSchema.extend({
    DAPR_GRPC_PORT: port.default(50001),
    /** How long the saga waits for the payment before it cancels the order (platform/topology.ts `orderSaga`). */
    SAGA_PAYMENT_TIMEOUT_SECONDS: z.coerce.number().int().min(1).default(orderSaga.paymentTimeoutSeconds),
  }),
  compose: ({ config, sidecar, log, registry }) => {
    const connection = {
      daprHost: "127.0.0.1",
      daprPort: String(config.DAPR_GRPC_PORT),
      ...(config.DAPR_API_TOKEN ? { daprApiToken: config.DAPR_API_TOKEN } : {}),
      logger: { level: config.LOG_LEVEL === "debug" ? LogLevel.Debug : LogLevel.Warn },
    };
    const running = new RunningWorkflows(Object.keys(workflowOutcomes));
    const metrics = workflowMetrics(registry, running);
    const runtime = new WorkflowRuntime(connection);
    runtime.registerWorkflowWithName(runtimeCheck.workflow, runtimeCheckWorkflow);
    runtime.registerWorkflowWithName(
      orderSaga.workflow,
      observed(orderSagaWorkflow, {
        workflow: orderSaga.workflow,
        running,
        metrics,
        timeoutSeconds: (input) => input.paymentTimeoutSeconds,
      }),
    );
    // Two idempotent calls: past the payment timeout a compensation is as stuck as a saga would be.
    runtime.registerWorkflowWithName(
      orderSaga.compensation,
      observed(orderCompensationWorkflow, {
        workflow: orderSaga.compensation,
        running,
        metrics,
        timeoutSeconds: () => config.SAGA_PAYMENT_TIMEOUT_SECONDS,
      }),
    );
    const activities = [...runtimeCheckActivities(new ExecutionLog(sidecar, workflowStateStore)), ...sagaActivityHandlers(sidecar)];
    for (const activity of activities) runtime.registerActivityWithName(activity.name, activity.run);
    const client = new DaprWorkflowClient(connection);
    const overdueCheck = startOverdueCheck(running, (id) => client.getWorkflowState(id, false), log);
    runtime.start().then(
      () => {
        started = true;
        log.info("workflow runtime started", { workflows: [runtimeCheck.workflow, orderSaga.workflow, orderSaga.compensation] });
      },
      (err: unknown) => {
        log.error("workflow runtime failed to start", errorFields(err));
        process.exit(1);
      },
    );
    return {
      routes: [
        sagaSubscriptions({
          region: config.REGION,
          sidecar,
          log,
          metrics: eventMetrics(registry),
          client,
          paymentTimeoutSeconds: config.SAGA_PAYMENT_TIMEOUT_SECONDS,
          workflowMetrics: metrics,
        }),
      ],
      workers: [overdueCheck, { stop: () => void Promise.all([runtime.stop(), client.stop()]).catch(() => undefined) }],
      // Ready once the runtime has its stream to the sidecar: only then does daprd hand it work.
      readiness: { workflows: () => Promise.resolve(started) },
    };
  },
});
