/**
 * A small workflow that uses every piece of Dapr Workflow the orchestrated saga will (issue #17):
 * an activity, a durable timer, an external event, a second activity. It proves the runtime
 * (placement, scheduler, actor state store, the @dapr/dapr workflow runtime) before the saga is
 * built on it, and the integration test kills its app mid-workflow to show it resumes.
 */
import type { WorkflowActivityContext, WorkflowContext } from "@dapr/dapr";
import type { ExecutionLog } from "./executions.js";

export const runtimeCheck = {
  workflow: "runtime-check",
  activities: { reserve: "reserve", confirm: "confirm" },
  /** The external event the workflow waits for after its timer. */
  approvalEvent: "approval",
} as const;

export interface RuntimeCheckInput {
  readonly orderId: string;
  /** How long the durable timer waits before the workflow asks for approval. */
  readonly timerSeconds: number;
}

export interface Approval {
  readonly by: string;
}

export interface RuntimeCheckOutput {
  readonly orderId: string;
  readonly reservation: string;
  readonly approvedBy: string;
  readonly confirmation: string;
}

/**
 * The workflow's own code is replayed from its history after any restart: deterministic, no I/O.
 * An async generator: the durabletask-js 0.1 that @dapr/dapr 3.6 runs orchestrators with steps
 * only through `Symbol.asyncIterator`, and ends a plain generator at once, scheduling nothing.
 */
export async function* runtimeCheckWorkflow(ctx: WorkflowContext, input: RuntimeCheckInput) {
  const reservation = (yield ctx.callActivity(runtimeCheck.activities.reserve, input.orderId)) as string;
  // The workflow's clock, not Date.now(): replays must compute the same fire time.
  const fireAt = new Date(ctx.getCurrentUtcDateTime().getTime() + input.timerSeconds * 1000);
  yield ctx.createTimer(fireAt);
  const approval = (yield ctx.waitForExternalEvent(runtimeCheck.approvalEvent)) as Approval;
  const confirmation = (yield ctx.callActivity(runtimeCheck.activities.confirm, input.orderId)) as string;
  const output: RuntimeCheckOutput = { orderId: input.orderId, reservation, approvedBy: approval.by, confirmation };
  return output;
}

/** Activities do the I/O: each records that it ran, then answers. */
export function runtimeCheckActivities(executions: ExecutionLog) {
  const activity =
    (name: string) =>
    async (ctx: WorkflowActivityContext, orderId: string): Promise<string> => {
      const count = await executions.record(ctx.getWorkflowInstanceId(), name);
      return `${name}:${orderId}:${count}`;
    };
  return Object.values(runtimeCheck.activities).map((name) => ({ name, run: activity(name) }));
}
