import type { RecordStore, RecordWrite } from "../dapr/record-store.js";
import type { Versioned } from "../dapr/sidecar.js";
import { createEvent } from "../events/contracts.js";
import type { EventContext, EventRecord } from "../events/envelope.js";
import type { EventMetrics } from "../events/metrics.js";
import type { Lease } from "./lease.js";
import { type HandlerEnv, type Trigger, contextFor } from "./context.js";
import { retryOnConflict } from "./retry.js";
import type { Decided } from "../domain/decision.js";
import { type Outcome, outcomeOf } from "./outcome.js";

/** The records a decision reads: key → the latest event about that entity, with its ETag. */
export type Records = ReadonlyMap<string, Versioned<EventRecord>>;

/** The next state of one record, as an event of `type` about `subject`. */
export interface RecordChange {
  readonly key: string;
  readonly type: string;
  readonly subject: string;
  readonly data: unknown;
}

export type RecordDecision<R> =
  | { readonly kind: "none"; readonly result: R }
  | { readonly kind: "write"; readonly changes: readonly RecordChange[]; readonly result: R }
  /** The decision needs more records than were read (and locked): read again with these too. */
  | { readonly kind: "widen"; readonly keys: readonly string[] };

/** A reaction's record decision from its domain decision: `changes` says what a write writes. */
export function reaction<W>(decision: Decided<W>, changes: (write: W) => readonly RecordChange[]): RecordDecision<Outcome> {
  if (decision.kind === "write") return { kind: "write", changes: changes(decision), result: "applied" };
  return { kind: "none", result: outcomeOf(decision) };
}

export interface RecordHandlerDeps extends HandlerEnv {
  readonly records: RecordStore;
  /** Exclusive use of the records while they are decided and written (see Lease). */
  readonly lease: Lease;
  readonly metrics: EventMetrics;
}

/**
 * The one path that persists state-carried records (a SKU's stock, an order's reservation or
 * payment): under the lease of every key, read them, let the decision name the changes, write
 * each as the record's next event with the ETag read, all in one transaction, and count them; on
 * an ETag conflict, all of it again with jittered backoff.
 */
export class RecordHandler {
  constructor(private readonly deps: RecordHandlerDeps) {}

  /** `decide` sees the records found among `keys` (absent ones are new) and the keys it read. */
  async run<R>(
    keys: readonly string[],
    trigger: Trigger,
    decide: (records: Records, ctx: EventContext, keys: readonly string[]) => RecordDecision<R>,
  ): Promise<R> {
    let wanted = [...new Set(keys)];
    for (;;) {
      const locked = wanted;
      const outcome = await this.deps.lease.run(locked, () =>
        retryOnConflict(async (): Promise<{ done: R } | { widen: readonly string[] }> => {
          const records = await this.deps.records.getMany(locked);
          const ctx = contextFor(this.deps, trigger);
          const decision = decide(records, ctx, locked);
          if (decision.kind === "widen") return { widen: decision.keys };
          if (decision.kind === "write") await this.commit(locked, records, decision.changes, ctx);
          return { done: decision.result };
        }),
      );
      if ("done" in outcome) return outcome.done;
      wanted = [...new Set([...wanted, ...outcome.widen])];
      if (wanted.length === locked.length) throw new Error(`decision asked to widen to keys already read: ${outcome.widen.join(", ")}`);
    }
  }

  /** Reads records without deciding anything. */
  read(keys: readonly string[]): Promise<Records> {
    return this.deps.records.getMany(keys);
  }

  private async commit(locked: readonly string[], records: Records, changes: readonly RecordChange[], ctx: EventContext): Promise<void> {
    const writes: RecordWrite[] = changes.map((c) => {
      // Only a key read under its lock has an ETag that means anything.
      if (!locked.includes(c.key)) throw new Error(`decision wrote ${c.key}, which it did not read`);
      const prior = records.get(c.key);
      return {
        key: c.key,
        event: createEvent(c.type, c.subject, (prior?.value.aggregateVersion ?? 0) + 1, c.data, ctx),
        etag: prior?.etag,
      };
    });
    await this.deps.records.commit(writes);
    for (const w of writes) this.deps.metrics.published.inc({ type: w.event.type });
  }
}
