import { LogLevel, WorkflowRuntime } from "@dapr/dapr";
import { workflowApps, workflowStateStore } from "../../platform/topology.js";
import { baseEnvSchema, port } from "../shared/config.js";
import { errorFields } from "../shared/log.js";
import { runService } from "../shared/service.js";
import { ExecutionLog } from "./executions.js";
import { runtimeCheck, runtimeCheckActivities, runtimeCheckWorkflow } from "./runtime-check.js";

/**
 * The workflow app: its workflows and activities run here, driven by its sidecar over gRPC (the
 * @dapr/dapr workflow runtime keeps one stream open to daprd and executes the work items daprd
 * sends). Its HTTP side serves only health, readiness and metrics.
 */
let started = false;
await runService({
  name: workflowApps.orderSaga,
  env: baseEnvSchema.extend({ DAPR_GRPC_PORT: port.default(50001) }),
  compose: ({ config, sidecar, log }) => {
    const runtime = new WorkflowRuntime({
      daprHost: "127.0.0.1",
      daprPort: String(config.DAPR_GRPC_PORT),
      ...(config.DAPR_API_TOKEN ? { daprApiToken: config.DAPR_API_TOKEN } : {}),
      logger: { level: config.LOG_LEVEL === "debug" ? LogLevel.Debug : LogLevel.Warn },
    });
    runtime.registerWorkflowWithName(runtimeCheck.workflow, runtimeCheckWorkflow);
    for (const activity of runtimeCheckActivities(new ExecutionLog(sidecar, workflowStateStore))) {
      runtime.registerActivityWithName(activity.name, activity.run);
    }
    runtime.start().then(
      () => {
        started = true;
        log.info("workflow runtime started", { workflows: [runtimeCheck.workflow] });
      },
      (err: unknown) => {
        log.error("workflow runtime failed to start", errorFields(err));
        process.exit(1);
      },
    );
    return {
      routes: [],
      workers: [{ stop: () => void runtime.stop().catch(() => undefined) }],
      // Ready once the runtime has its stream to the sidecar: only then does daprd hand it work.
      readiness: { workflows: () => Promise.resolve(started) },
    };
  },
});
