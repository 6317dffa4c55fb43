import { setTimeout as sleep } from "node:timers/promises";
import type { Lease } from "../shared/application/lease.js";
import { ConcurrencyError } from "../shared/errors.js";
import type { EventRecord } from "../shared/events/envelope.js";
import {
  type Archival,
  type Counter,
  type LakeLogs,
  type TransactionLimits,
  counterKey,
  keysToRead,
  minuteOf,
  planArchive,
} from "./archive-plan.js";
import { GroupCommit } from "../shared/application/group-commit.js";
import type { KeyValueStore } from "../shared/application/key-value-store.js";
import { PagedLog } from "../shared/application/paged-log.js";

/** Longest time range one replay request may ask for: bounded work per request. */
export const maxReplayMinutes = 24 * 60;

export interface LakeOptions {
  /** Events per page of an index; the most any one key holds. */
  readonly pageSize?: number;
  /** Events per transaction, at most. */
  readonly maxBatch?: number;
  readonly limits?: Partial<TransactionLimits>;
  /** Tries of a batch that keeps meeting another replica's writes, before its callers get the conflict. */
  readonly conflictAttempts?: number;
  /**
   * Held while a batch is read, planned and written. On a store whose transactions do not roll
   * back (Redis), replicas must take turns (a distributed lease), or a batch that lost its ETag
   * race would still write part of itself.
   */
  readonly lease?: Lease;
}

const defaults = {
  pageSize: 100,
  maxBatch: 200,
  // A batch of 200 new events of distinct subjects is about 400 operations; the sidecar takes 4 MiB per request.
  limits: { maxOperations: 600, maxBytes: 2 * 1024 * 1024 },
  conflictAttempts: 5,
};

/**
 * The event lake: every event the region sees (its own and replicated), archived twice, by
 * subject (replay one order) and by minute of occurrence (replay a time range). Archiving is
 * idempotent by event id, so redeliveries and the same event arriving by two routes are kept once.
 *
 * Archiving is a group commit: events that arrive while a batch is being written wait and are
 * written together in the next one, so throughput grows with load instead of being one event per
 * round trip.
 */
export class Lake {
  private readonly logs: LakeLogs;
  private readonly limits: TransactionLimits;
  private readonly conflictAttempts: number;
  private readonly batches: GroupCommit<Archival, boolean>;
  private readonly lease: Lease | undefined;

  constructor(
    private readonly kv: KeyValueStore,
    private readonly store: string,
    options: LakeOptions = {},
  ) {
    const pageSize = options.pageSize ?? defaults.pageSize;
    this.logs = { subjects: new PagedLog("subject", pageSize), minutes: new PagedLog("minute", pageSize) };
    this.limits = { ...defaults.limits, ...options.limits };
    this.conflictAttempts = options.conflictAttempts ?? defaults.conflictAttempts;
    this.lease = options.lease;
    this.batches = new GroupCommit((items) => this.commit(items), options.maxBatch ?? defaults.maxBatch);
  }

  /**
   * Archives an event once; true when it was new. Resolves once it is stored. Its subject log, its
   * minute log and the count of events from its origin on its topic change in one transaction, so
   * the counts (which measure replication backlog) always match what the lake holds.
   */
  archive(event: EventRecord, topic: string): Promise<boolean> {
    return this.batches.submit({ event, topic });
  }

  /** How many events from `origin` on `topic` the lake holds. */
  async count(topic: string, origin: string): Promise<number> {
    const key = counterKey(topic, origin);
    return (await this.kv.getMany<Counter>(this.store, [key])).get(key)?.value.count ?? 0;
  }

  async bySubject(subject: string): Promise<EventRecord[]> {
    return sortByTime(await this.logs.subjects.read(this.kv, this.store, [subject]));
  }

  /** Events that occurred in [from, to), oldest first. */
  async byTime(from: Date, to: Date): Promise<EventRecord[]> {
    const minutes: string[] = [];
    for (let t = Math.floor(from.getTime() / 60_000) * 60_000; t < to.getTime(); t += 60_000)
      minutes.push(minuteOf(new Date(t).toISOString()));
    const events = await this.logs.minutes.read(this.kv, this.store, minutes);
    return sortByTime(events.filter((e) => Date.parse(e.occurredAt) >= from.getTime() && Date.parse(e.occurredAt) < to.getTime()));
  }

  /** Writes one batch; another replica's write in between means reading and planning it again. */
  private commit(items: readonly Archival[]): Promise<readonly boolean[]> {
    return this.lease ? this.lease.run(["lake"], () => this.commitOnce(items)) : this.commitOnce(items);
  }

  private async commitOnce(items: readonly Archival[]): Promise<readonly boolean[]> {
    for (let attempt = 1; ; attempt++) {
      const found = await this.kv.getMany<unknown>(this.store, keysToRead(this.logs, items));
      const plan = planArchive(this.logs, found, items, this.limits);
      try {
        if (plan.writes.length > 0) await this.kv.write(this.store, plan.writes);
        return plan.added;
      } catch (err) {
        if (!(err instanceof ConcurrencyError) || attempt >= this.conflictAttempts) throw err;
        // Replicas flush at their own pace: a random pause keeps two of them from colliding again at once.
        await sleep(Math.random() * 10 * attempt);
      }
    }
  }
}

/**
 * Oldest first, each id once. A log can hold an event twice: without a distributed lease, Redis
 * cannot refuse to create a key that exists, so two replicas archiving one event at the same moment
 * both append it; and events archived before seen markers existed have none to stop a redelivery.
 */
function sortByTime(events: readonly EventRecord[]): EventRecord[] {
  const unique = [...new Map(events.map((e) => [e.id, e])).values()];
  return unique.sort((a, b) => a.occurredAt.localeCompare(b.occurredAt) || a.aggregateVersion - b.aggregateVersion);
}
