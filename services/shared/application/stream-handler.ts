import type { EventStore, LoadedStream } from "../dapr/event-store.js";
import type { EventRecord } from "../events/envelope.js";
import type { EventMetrics } from "../events/metrics.js";
import type { Lease } from "./lease.js";
import { type HandlerEnv, type Trigger, contextFor } from "./context.js";
import { retryOnConflict } from "./retry.js";
import type { EventContext } from "../events/envelope.js";

/** What to do with an event-sourced stream, and what to answer. Decided from the loaded stream. */
export type StreamDecision<R> =
  /** Nothing to write (a replay, a duplicate, an event that means nothing here). */
  | { readonly kind: "none"; readonly result: R }
  /** An event this region decided: written at its newest contract version. */
  | { readonly kind: "append"; readonly event: EventRecord; readonly result: R }
  /** An event its home region decided, written exactly as it came. */
  | { readonly kind: "replicate"; readonly event: EventRecord; readonly result: R }
  /** A lost stream put back from a peer's lake, written without publishing. */
  | { readonly kind: "restore"; readonly events: readonly EventRecord[]; readonly result: R };

/** The stream as a decision sees it: its events (checked, upcast) and their fold. */
export interface StreamView<S> {
  readonly events: readonly EventRecord[];
  readonly state: S | undefined;
}

export interface StreamHandlerDeps<S> extends HandlerEnv {
  readonly events: EventStore;
  /** Exclusive use of the stream while it is decided and written (see Lease). */
  readonly lease: Lease;
  readonly metrics: EventMetrics;
  readonly fold: (events: readonly EventRecord[]) => S | undefined;
  /** Runs before the first write of a new stream (e.g. listing it in a catalogue). */
  readonly onNewStream?: (id: string) => Promise<void>;
}

/**
 * The one path that persists an event-sourced aggregate: under the key's lock, load the stream,
 * fold it, let the decision say what to write, write it with the ETag read (first write wins),
 * count it; on an ETag conflict, all of it again with jittered backoff. Decisions stay pure: they
 * see the stream and a context, and return a StreamDecision or throw a DomainError.
 */
export class StreamHandler<S> {
  constructor(private readonly deps: StreamHandlerDeps<S>) {}

  run<R>(id: string, trigger: Trigger, decide: (stream: StreamView<S>, ctx: EventContext) => StreamDecision<R>): Promise<R> {
    return this.deps.lease.run([id], () =>
      retryOnConflict(async () => {
        const stream = await this.deps.events.load(id);
        const events = stream?.events ?? [];
        const decision = decide({ events, state: this.deps.fold(events) }, contextFor(this.deps, trigger));
        if (decision.kind !== "none") await this.write(id, stream, decision);
        return decision.result;
      }),
    );
  }

  /** The stream as it is now, without deciding anything. */
  async read(id: string): Promise<StreamView<S> & { found: boolean }> {
    const stream = await this.deps.events.load(id);
    const events = stream?.events ?? [];
    return { found: stream !== undefined, events, state: this.deps.fold(events) };
  }

  /** Several streams as they are now, in one bulk read (whole-region walks: digest, replay). */
  async readMany(ids: readonly string[]): Promise<Map<string, StreamView<S>>> {
    const streams = await this.deps.events.loadMany(ids);
    return new Map([...streams].map(([id, { events }]) => [id, { events, state: this.deps.fold(events) }]));
  }

  private async write(id: string, stream: LoadedStream | undefined, decision: Exclude<StreamDecision<unknown>, { kind: "none" }>) {
    if (!stream) await this.deps.onNewStream?.(id);
    switch (decision.kind) {
      case "append":
        await this.deps.events.append(id, stream, decision.event);
        this.deps.metrics.published.inc({ type: decision.event.type });
        return;
      case "replicate":
        await this.deps.events.appendReplica(id, stream, decision.event);
        return;
      case "restore":
        await this.deps.events.restore(id, stream, decision.events);
        return;
    }
  }
}
