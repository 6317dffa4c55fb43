import { assertPublishable } from "../events/contracts.js";
import { type EventRecord, cloudEventAttributes } from "../events/envelope.js";
import type { CommitPublisher } from "./commit-publisher.js";
import { traceMetadata } from "./trace-context.js";
import type { Sidecar, Versioned } from "./sidecar.js";

export interface RecordWrite {
  readonly key: string;
  readonly event: EventRecord;
  /** ETag read before; absent when the key is new. */
  readonly etag?: string | undefined;
}

/**
 * State-carried events: each key holds the latest event about one entity (a SKU's stock, an
 * order's reservation or payment), whose data is the entity's whole current state. With the
 * store's outbox on, every write publishes exactly the event written, atomically with it.
 */
export class RecordStore {
  constructor(
    private readonly sidecar: Sidecar,
    private readonly store: string,
    private readonly source: string,
    /** Publishes each committed record (see CommitPublisher). */
    private readonly publisher: CommitPublisher,
  ) {}

  async getMany(keys: readonly string[]): Promise<Map<string, Versioned<EventRecord>>> {
    return this.sidecar.getMany<EventRecord>(this.store, keys);
  }

  async commit(writes: readonly RecordWrite[]): Promise<void> {
    for (const w of writes) assertPublishable(w.event);
    await this.sidecar.write(
      this.store,
      writes.map((w) => ({
        key: w.key,
        value: w.event,
        etag: w.etag,
        metadata: { ...cloudEventAttributes(w.event, this.source), ...traceMetadata() },
        contentType: "application/json",
      })),
    );
    await this.publisher.committed(writes.map((w) => w.event));
  }
}
