import type { EventRecord } from "../shared/events/envelope.js";
import type { Versioned, Write } from "../shared/application/key-value-store.js";
import type { PagedLog } from "../shared/application/paged-log.js";

/** One event to archive, with the topic it came on (counters are per topic). */
export interface Archival {
  readonly event: EventRecord;
  readonly topic: string;
}

export interface Counter {
  readonly count: number;
}

/** The lake's indexes: by subject (replay one order or SKU) and by minute of occurrence (replay a range). */
export interface LakeLogs {
  readonly subjects: PagedLog<EventRecord>;
  readonly minutes: PagedLog<EventRecord>;
}

/** What one transaction may hold; past it a batch is split rather than sent. */
export interface TransactionLimits {
  readonly maxOperations: number;
  /** Serialised values, summed: the sidecar refuses request bodies past a few MiB. */
  readonly maxBytes: number;
}

export interface ArchivePlan {
  /** For each leading item the plan covers, in order: true when its event is new to the lake. */
  readonly added: readonly boolean[];
  readonly writes: readonly Write[];
}

export const minuteOf = (iso: string): string => iso.slice(0, 16);
export const counterKey = (topic: string, origin: string): string => `count-${topic}-${origin}`;
/** One tiny key per archived event: dedupe costs a bulk read of the batch's ids, whatever the logs hold. */
const seenKey = (id: string): string => `seen-${id}`;
const seenMarker = 1;

/** Everything a batch's plan depends on, for one bulk read. */
export function keysToRead(logs: LakeLogs, items: readonly Archival[]): string[] {
  const keys = items.flatMap(({ event, topic }) => [
    seenKey(event.id),
    logs.subjects.headKey(event.subject),
    logs.minutes.headKey(minuteOf(event.occurredAt)),
    counterKey(topic, event.originRegion),
  ]);
  return [...new Set(keys)];
}

/**
 * The one transaction that archives a batch, from what `keysToRead` found: the new events appended to
 * their logs, a seen marker each and the counters moved by as many. Events already seen, before or
 * earlier in the batch, are left out. Replacing any value read needs its ETag, and creating a key needs
 * it absent, so a replica that wrote in between makes the whole transaction fail, to be planned again.
 * That holds where transactions are real (PostgreSQL). Dapr's Redis store neither rolls a failed
 * transaction back nor refuses to create a key that exists: there, only one replica may archive.
 * When the transaction would be too large, it covers only a leading part of the batch.
 */
export function planArchive(
  logs: LakeLogs,
  found: ReadonlyMap<string, Versioned<unknown>>,
  items: readonly Archival[],
  limits: TransactionLimits,
): ArchivePlan {
  for (let n = items.length; ; n = Math.ceil(n / 2)) {
    const plan = planAll(logs, found, items.slice(0, n));
    if (n === 1 || fits(plan, limits)) return plan;
  }
}

function planAll(logs: LakeLogs, found: ReadonlyMap<string, Versioned<unknown>>, items: readonly Archival[]): ArchivePlan {
  const added: boolean[] = [];
  const fresh = new Set<string>();
  const bySubject = new Map<string, EventRecord[]>();
  const byMinute = new Map<string, EventRecord[]>();
  const counts = new Map<string, number>();
  for (const { event, topic } of items) {
    const isNew = !found.has(seenKey(event.id)) && !fresh.has(event.id);
    added.push(isNew);
    if (!isNew) continue;
    fresh.add(event.id);
    append(bySubject, event.subject, event);
    append(byMinute, minuteOf(event.occurredAt), event);
    const counter = counterKey(topic, event.originRegion);
    counts.set(counter, (counts.get(counter) ?? 0) + 1);
  }
  const head = (log: PagedLog<EventRecord>, id: string) => found.get(log.headKey(id));
  const writes: Write[] = [
    ...[...fresh].map((id) => ({ key: seenKey(id), value: seenMarker })),
    ...[...bySubject].flatMap(([subject, events]) => logs.subjects.append(subject, head(logs.subjects, subject), events)),
    ...[...byMinute].flatMap(([minute, events]) => logs.minutes.append(minute, head(logs.minutes, minute), events)),
    ...[...counts].map(([key, n]) => {
      const prior = found.get(key) as Versioned<Counter> | undefined;
      return { key, value: { count: (prior?.value.count ?? 0) + n } satisfies Counter, etag: prior?.etag };
    }),
  ];
  return { added, writes };
}

function append<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function fits(plan: ArchivePlan, limits: TransactionLimits): boolean {
  if (plan.writes.length > limits.maxOperations) return false;
  let bytes = 0;
  for (const w of plan.writes) bytes += Buffer.byteLength(JSON.stringify(w.value));
  return bytes <= limits.maxBytes;
}
