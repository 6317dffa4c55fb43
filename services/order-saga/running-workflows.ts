import type { WorkflowState } from "@dapr/dapr";
import { WorkflowRuntimeStatus } from "@dapr/dapr";
import type { Logger } from "../shared/log.js";
import { errorFields } from "../shared/log.js";

interface Running {
  readonly workflow: string;
  readonly startedAtMs: number;
  /** When it should have ended: its payment timeout after its start. */
  readonly deadlineMs: number;
}

/** What the gauges show for one workflow name. */
export interface RunningSummary {
  readonly running: number;
  readonly overdue: number;
  readonly oldestAgeSeconds: number;
}

/**
 * The workflow instances this process has run and not seen end. A workflow's code runs wherever
 * placement put its actor, again from the start each time it wakes, so each replica knows the
 * workflows it executes, and learns them again after a restart when they next wake. Dapr keeps
 * the real state; this is only for the gauges (no list of running instances in @dapr/dapr 3.6).
 */
export class RunningWorkflows {
  private readonly running = new Map<string, Running>();

  constructor(private readonly workflows: readonly string[]) {}

  /** The instance runs (again): `startedAt` is the workflow's own start time, the same on every replay. */
  seen(instanceId: string, workflow: string, startedAt: Date, timeoutSeconds: number): void {
    const startedAtMs = startedAt.getTime();
    this.running.set(instanceId, { workflow, startedAtMs, deadlineMs: startedAtMs + timeoutSeconds * 1000 });
  }

  ended(instanceId: string): void {
    this.running.delete(instanceId);
  }

  /** Every known workflow name, also with nothing running, so its series exist from the start. */
  summary(now: number): ReadonlyMap<string, RunningSummary> {
    const out = new Map(this.workflows.map((w) => [w, { running: 0, overdue: 0, oldestAgeSeconds: 0 }]));
    for (const r of this.running.values()) {
      const s = out.get(r.workflow) ?? { running: 0, overdue: 0, oldestAgeSeconds: 0 };
      out.set(r.workflow, {
        running: s.running + 1,
        overdue: s.overdue + (now > r.deadlineMs ? 1 : 0),
        oldestAgeSeconds: Math.max(s.oldestAgeSeconds, (now - r.startedAtMs) / 1000),
      });
    }
    return out;
  }

  overdue(now: number): string[] {
    return [...this.running.entries()].filter(([, r]) => now > r.deadlineMs).map(([id]) => id);
  }
}

const stillRunning: ReadonlySet<WorkflowRuntimeStatus> = new Set([
  WorkflowRuntimeStatus.RUNNING,
  WorkflowRuntimeStatus.PENDING,
  WorkflowRuntimeStatus.SUSPENDED,
]);

/**
 * Asks Dapr about each overdue instance and forgets those that are not running any more: a
 * workflow that ended on another replica (placement moved it) or was terminated or purged would
 * otherwise stay overdue here for good. What remains overdue is overdue by Dapr's own account,
 * and is logged once with its instance id (the order id), for the stuck-workflow alert's reader.
 */
export function startOverdueCheck(
  running: RunningWorkflows,
  stateOf: (instanceId: string) => Promise<WorkflowState | undefined>,
  log: Logger,
  everyMs = 15_000,
): { stop(): void } {
  let busy = false;
  const reported = new Set<string>();
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    void (async () => {
      const overdue = running.overdue(Date.now());
      for (const id of reported) if (!overdue.includes(id)) reported.delete(id);
      for (const id of overdue) {
        const state = await stateOf(id);
        if (!state || !stillRunning.has(state.runtimeStatus)) running.ended(id);
        else if (!reported.has(id)) {
          reported.add(id);
          log.warn("workflow running past its deadline", {
            instanceId: id,
            workflow: state.name,
            createdAt: state.createdAt.toISOString(),
          });
        }
      }
    })()
      .catch((err: unknown) => log.warn("overdue workflow check failed", errorFields(err)))
      .finally(() => (busy = false));
  }, everyMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
