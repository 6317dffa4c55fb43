import type { Sidecar } from "../shared/dapr/sidecar.js";
import { ConcurrencyError } from "../shared/errors.js";

/** The state key counting how often `activity` ran for a workflow instance. */
export function executionKey(instanceId: string, activity: string): string {
  return `executions:${instanceId}:${activity}`;
}

/**
 * Counts activity executions in a Dapr state store, so a test (or an operator) can tell an
 * activity that ran once from one that ran again after a crash: Dapr Workflow runs activities at
 * least once, and the count is what shows how often.
 */
export class ExecutionLog {
  constructor(
    private readonly sidecar: Sidecar,
    private readonly store: string,
  ) {}

  /** Adds one execution; a concurrent writer makes it read again and retry (first-write ETags). */
  async record(instanceId: string, activity: string): Promise<number> {
    const key = executionKey(instanceId, activity);
    for (let attempt = 0; ; attempt++) {
      const current = await this.sidecar.get<number>(this.store, key);
      const next = (current?.value ?? 0) + 1;
      try {
        await this.sidecar.write(this.store, [{ key, value: next, etag: current?.etag }]);
        return next;
      } catch (err) {
        if (!(err instanceof ConcurrencyError) || attempt >= 10) throw err;
      }
    }
  }
}
