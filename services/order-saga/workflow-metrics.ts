import { Counter, Gauge, type Registry } from "prom-client";
import { orderSaga } from "../../platform/topology.js";
import type { RunningWorkflows } from "./running-workflows.js";
import { compensationOutcome, orderSagaOutcomes } from "./saga-workflow.js";

/** A workflow that threw (an activity gave up, a service answered nothing usable): Dapr marks it FAILED. */
export const workflowFailed = "failed";

/** The outcomes each observed workflow can end with; bounded, so every pair is a series from the start. */
export const workflowOutcomes: Readonly<Record<string, readonly string[]>> = {
  [orderSaga.workflow]: [...orderSagaOutcomes, workflowFailed],
  [orderSaga.compensation]: [compensationOutcome, workflowFailed],
};

/**
 * The workflows' own figures, beside daprd's `dapr_runtime_workflow_*` (which count executions,
 * not sagas, and know no outcome). `workflow` is the workflow's name, never its instance id.
 * The gauges are per process (see RunningWorkflows): sum them per region.
 */
export function workflowMetrics(registry: Registry, running: RunningWorkflows) {
  const started = new Counter({
    name: "meridian_workflows_started_total",
    help: "Workflows scheduled by this process (a repeated start of the same instance is not counted).",
    labelNames: ["workflow"] as const,
    registers: [registry],
  });
  const completed = new Counter({
    name: "meridian_workflows_completed_total",
    help: "Workflows that ended here, by what they returned (confirmed, rejected, declined, timed-out, cancelled, compensated) or failed.",
    labelNames: ["workflow", "outcome"] as const,
    registers: [registry],
  });
  for (const [workflow, outcomes] of Object.entries(workflowOutcomes)) {
    started.inc({ workflow }, 0);
    for (const outcome of outcomes) completed.inc({ workflow, outcome }, 0);
  }
  const gauge = (name: string, help: string, value: (s: { running: number; overdue: number; oldestAgeSeconds: number }) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ["workflow"] as const,
      registers: [registry],
      // Read at scrape time from what this process runs.
      collect() {
        for (const [workflow, summary] of running.summary(Date.now())) this.set({ workflow }, value(summary));
      },
    });
  gauge("meridian_workflows_running", "Workflows this process runs that have not ended.", (s) => s.running);
  gauge(
    "meridian_workflows_overdue",
    "Running workflows older than their payment timeout: a saga should have ended by then (confirmed, or cancelled by its deadline).",
    (s) => s.overdue,
  );
  gauge(
    "meridian_workflows_oldest_running_age_seconds",
    "Age of the oldest workflow this process runs (0 when none).",
    (s) => s.oldestAgeSeconds,
  );
  return { started, completed };
}
export type WorkflowMetrics = ReturnType<typeof workflowMetrics>;
