import { retryOnConflict } from "../shared/dapr/event-store.js";
import type { Sidecar, Versioned } from "../shared/dapr/sidecar.js";
import type { EventRecord } from "../shared/events/envelope.js";
import type { KeyedLock } from "../shared/keyed-lock.js";

interface Bucket {
  readonly events: EventRecord[];
}

interface Counter {
  readonly count: number;
}

/** Longest time range one replay request may ask for: bounded work per request. */
export const maxReplayMinutes = 24 * 60;

const minuteOf = (iso: string): string => iso.slice(0, 16);
const subjectKey = (subject: string) => `subject-${subject}`;
const minuteKey = (minute: string) => `minute-${minute}`;
const counterKey = (topic: string, origin: string) => `count-${topic}-${origin}`;
/** All archiving goes through one lock: the buckets and the counter change in one transaction. */
const archiveLock = "archive";

/**
 * The event lake: every event the region sees (its own and replicated), archived twice, by
 * subject (replay one order) and by minute of occurrence (replay a time range). Archiving is
 * idempotent by event id, so redeliveries and the same event arriving by two routes are kept once.
 */
export class Lake {
  constructor(
    private readonly sidecar: Sidecar,
    private readonly store: string,
    private readonly lock: KeyedLock,
  ) {}

  /**
   * Archives an event once; true when it was new. Its subject bucket, its minute bucket and the
   * count of events from its origin on its topic change in one transaction, so the counts (which
   * measure replication backlog) always match what the lake holds.
   */
  archive(event: EventRecord, topic: string): Promise<boolean> {
    const keys = {
      subject: subjectKey(event.subject),
      minute: minuteKey(minuteOf(event.occurredAt)),
      counter: counterKey(topic, event.originRegion),
    };
    return this.lock.run(archiveLock, () =>
      retryOnConflict(async () => {
        const found = await this.sidecar.getMany<Bucket | Counter>(this.store, Object.values(keys));
        const subject = found.get(keys.subject) as Versioned<Bucket> | undefined;
        if (subject?.value.events.some((e) => e.id === event.id)) return false;
        const minute = found.get(keys.minute) as Versioned<Bucket> | undefined;
        const counter = found.get(keys.counter) as Versioned<Counter> | undefined;
        await this.sidecar.write(this.store, [
          { key: keys.subject, value: { events: [...(subject?.value.events ?? []), event] }, etag: subject?.etag },
          { key: keys.minute, value: { events: [...(minute?.value.events ?? []), event] }, etag: minute?.etag },
          { key: keys.counter, value: { count: (counter?.value.count ?? 0) + 1 }, etag: counter?.etag },
        ]);
        return true;
      }),
    );
  }

  /** How many events from `origin` on `topic` the lake holds. */
  async count(topic: string, origin: string): Promise<number> {
    return (await this.sidecar.get<Counter>(this.store, counterKey(topic, origin)))?.value.count ?? 0;
  }

  async bySubject(subject: string): Promise<EventRecord[]> {
    const found = await this.sidecar.get<Bucket>(this.store, subjectKey(subject));
    return sortByTime(found?.value.events ?? []);
  }

  /** Events that occurred in [from, to), oldest first. */
  async byTime(from: Date, to: Date): Promise<EventRecord[]> {
    const minutes: string[] = [];
    for (let t = Math.floor(from.getTime() / 60_000) * 60_000; t < to.getTime(); t += 60_000)
      minutes.push(minuteOf(new Date(t).toISOString()));
    const buckets = await this.sidecar.getMany<Bucket>(this.store, minutes.map(minuteKey));
    const events = [...buckets.values()].flatMap((b) => b.value.events);
    return sortByTime(events.filter((e) => Date.parse(e.occurredAt) >= from.getTime() && Date.parse(e.occurredAt) < to.getTime()));
  }
}

function sortByTime(events: EventRecord[]): EventRecord[] {
  return [...events].sort((a, b) => a.occurredAt.localeCompare(b.occurredAt) || a.aggregateVersion - b.aggregateVersion);
}
