import { retryOnConflict } from "../shared/dapr/event-store.js";
import type { Sidecar } from "../shared/dapr/sidecar.js";
import type { EventRecord } from "../shared/events/envelope.js";
import type { KeyedLock } from "../shared/keyed-lock.js";

interface Bucket {
  readonly events: EventRecord[];
}

/** Longest time range one replay request may ask for: bounded work per request. */
export const maxReplayMinutes = 24 * 60;

const minuteOf = (iso: string): string => iso.slice(0, 16);
const subjectKey = (subject: string) => `subject-${subject}`;
const minuteKey = (minute: string) => `minute-${minute}`;

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

  /** True when the event was new to the lake. */
  async archive(event: EventRecord): Promise<boolean> {
    const added = await Promise.all([this.add(subjectKey(event.subject), event), this.add(minuteKey(minuteOf(event.occurredAt)), event)]);
    return added.some(Boolean);
  }

  private add(key: string, event: EventRecord): Promise<boolean> {
    return this.lock.run(key, () =>
      retryOnConflict(async () => {
        const found = await this.sidecar.get<Bucket>(this.store, key);
        if (found?.value.events.some((e) => e.id === event.id)) return false;
        await this.sidecar.write(this.store, [{ key, value: { events: [...(found?.value.events ?? []), event] }, etag: found?.etag }]);
        return true;
      }),
    );
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
