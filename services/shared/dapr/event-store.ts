import { assertPublishable, checkEvent } from "../events/contracts.js";
import { type EventRecord, cloudEventAttributes } from "../events/envelope.js";
import type { CommitPublisher } from "./commit-publisher.js";
import { traceMetadata } from "./trace-context.js";
import type { Sidecar } from "./sidecar.js";

export interface LoadedStream {
  /** The events as today's code reads them: checked against their contract and upcast. */
  readonly events: readonly EventRecord[];
  /** The events exactly as stored; history is written back unchanged, never upcast. */
  readonly stored: readonly EventRecord[];
  readonly etag: string;
}

interface StoredStream {
  readonly events: EventRecord[];
}

/**
 * Event streams in a Dapr state store whose component has the outbox enabled. A stream is one
 * key; appending writes the new stream with the ETag read before (first-write concurrency) and,
 * through an `outbox.projection` of the same key, publishes exactly the new event. The state
 * change and the publish commit together or not at all.
 *
 * One event per append: Dapr's outbox takes one projection per key, and a command here yields
 * one event.
 */
export class EventStore {
  constructor(
    private readonly sidecar: Sidecar,
    private readonly store: string,
    /** CloudEvent `source`, e.g. `orders/east`. */
    private readonly source: string,
    private readonly keyPrefix: string,
    /** Publishes each appended event once committed (see CommitPublisher). */
    private readonly publisher: CommitPublisher,
  ) {}

  key(id: string): string {
    return `${this.keyPrefix}${id}`;
  }

  async load(id: string): Promise<LoadedStream | undefined> {
    return (await this.loadMany([id])).get(id);
  }

  /** Several streams in one bulk read; absent streams are missing from the map. */
  async loadMany(ids: readonly string[]): Promise<Map<string, LoadedStream>> {
    const found = await this.sidecar.getMany<StoredStream>(
      this.store,
      ids.map((id) => this.key(id)),
    );
    const loaded = new Map<string, LoadedStream>();
    for (const id of ids) {
      const stream = found.get(this.key(id));
      if (stream) loaded.set(id, { events: stream.value.events.map(checkEvent), stored: stream.value.events, etag: stream.etag });
    }
    return loaded;
  }

  /** Appends an event this region decided; it must be of the newest contract version. */
  async append(id: string, prior: LoadedStream | undefined, event: EventRecord): Promise<void> {
    assertPublishable(event);
    await this.write(id, prior, event);
  }

  /**
   * Appends an event another region decided, exactly as it was written there (it may be of an
   * older contract version if that region runs older code): it only has to satisfy its contract.
   */
  async appendReplica(id: string, prior: LoadedStream | undefined, event: EventRecord): Promise<void> {
    checkEvent(event);
    await this.write(id, prior, event);
  }

  /**
   * Puts back a stream lost with a region's data, as another region's event lake holds it:
   * saved without the outbox, so nothing downstream acts on history a second time.
   */
  async restore(id: string, prior: LoadedStream | undefined, events: readonly EventRecord[]): Promise<void> {
    for (const e of events) checkEvent(e);
    await this.sidecar.saveUnpublished(this.store, this.key(id), { events }, prior?.etag);
  }

  private async write(id: string, prior: LoadedStream | undefined, event: EventRecord): Promise<void> {
    const key = this.key(id);
    const value: StoredStream = { events: [...(prior?.stored ?? []), event] };
    // A conflict surfaces as ConcurrencyError from the sidecar adapter.
    await this.sidecar.write(this.store, [
      { key, value, etag: prior?.etag, metadata: { ...cloudEventAttributes(event, this.source), ...traceMetadata() } },
      { key, value: event, metadata: { "outbox.projection": "true" }, contentType: "application/json" },
    ]);
    await this.publisher.committed([event]);
  }
}
