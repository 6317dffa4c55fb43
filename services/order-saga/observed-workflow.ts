import type { WorkflowContext } from "@dapr/dapr";
import type { RunningWorkflows } from "./running-workflows.js";
import { type WorkflowMetrics, workflowFailed } from "./workflow-metrics.js";

type WorkflowFunction<I, O> = (ctx: WorkflowContext, input: I) => AsyncGenerator<unknown, O, unknown>;

export interface Observation<I> {
  readonly workflow: string;
  readonly running: RunningWorkflows;
  readonly metrics: WorkflowMetrics;
  /** How long an instance may run before it counts as overdue. */
  readonly timeoutSeconds: (input: I) => number;
}

/**
 * The workflow, counted: running while its code runs, and its outcome once, when it ends. The
 * code is replayed from the start every time the workflow wakes, so the end is counted only when
 * it is not a replay. Only metrics: nothing here changes what the workflow does, so it stays
 * deterministic. A crash between the end and Dapr recording it can count an end twice.
 */
export function observed<I, O extends string>(fn: WorkflowFunction<I, O>, o: Observation<I>): WorkflowFunction<I, O> {
  return async function* (ctx: WorkflowContext, input: I) {
    const instanceId = ctx.getWorkflowInstanceId();
    // Before the first yield the workflow's clock is its start time, on every replay alike.
    o.running.seen(instanceId, o.workflow, ctx.getCurrentUtcDateTime(), o.timeoutSeconds(input));
    const end = (outcome: string): void => {
      o.running.ended(instanceId);
      if (!ctx.isReplaying()) o.metrics.completed.inc({ workflow: o.workflow, outcome });
    };
    try {
      const outcome = yield* fn(ctx, input);
      end(outcome);
      return outcome;
    } catch (err) {
      end(workflowFailed);
      throw err;
    }
  };
}
