import type { Sidecar } from "./dapr/sidecar.js";
import type { EventMetrics } from "./events/metrics.js";
import type { KeyedLock } from "./keyed-lock.js";
import type { Logger } from "./log.js";

/** What every service that writes events through the outbox and consumes others' is given. */
export interface WriterDeps {
  readonly region: string;
  /** Serialises writers of one key inside the process (ETags still guard other replicas). */
  readonly lock: KeyedLock;
  /** Injected so decisions and tests control time. */
  readonly clock: () => Date;
  readonly sidecar: Sidecar;
  readonly log: Logger;
  readonly metrics: EventMetrics;
}
