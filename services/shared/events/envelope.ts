import { z } from "zod";
import { dataSchemaOf } from "./event-types.js";

/**
 * A domain event as stored in an aggregate's stream and carried as CloudEvent data. The
 * CloudEvent attributes (type, subject, extensions) repeat these fields so brokers and
 * routing rules can see them without parsing data.
 */
export const eventRecordSchema = z.object({
  id: z.uuid(),
  type: z.string().min(1),
  schemaVersion: z.number().int().min(1),
  subject: z.string().min(1),
  aggregateVersion: z.number().int().min(1),
  occurredAt: z.iso.datetime(),
  originRegion: z.string().min(1),
  correlationId: z.string().min(1),
  causationId: z.string().min(1).nullable(),
  data: z.unknown(),
});
export type EventRecord<T = unknown> = Omit<z.infer<typeof eventRecordSchema>, "data"> & { data: T };

/** CloudEvent extension attribute names (lower-case alphanumerics, as the spec requires). */
export const ceExtensions = {
  originRegion: "originregion",
  aggregateVersion: "aggregateversion",
  correlationId: "correlationid",
  causationId: "causationid",
  eventId: "eventid",
} as const;

/**
 * The CloudEvent attributes for a record, as Dapr outbox metadata (values must be strings):
 * `time` is when the event happened, `dataschema` names its contract and version; the
 * extensions let brokers and routing rules see the rest without parsing data.
 */
export function cloudEventAttributes(e: EventRecord, source: string): Record<string, string> {
  return {
    type: e.type,
    subject: e.subject,
    source,
    time: e.occurredAt,
    dataschema: dataSchemaOf(e.type, e.schemaVersion),
    [ceExtensions.originRegion]: e.originRegion,
    [ceExtensions.aggregateVersion]: String(e.aggregateVersion),
    [ceExtensions.correlationId]: e.correlationId,
    [ceExtensions.causationId]: e.causationId ?? "",
    [ceExtensions.eventId]: e.id,
  };
}

/** Where a new event comes from: injected, so decisions stay pure and testable. */
export interface EventContext {
  readonly region: string;
  readonly now: Date;
  readonly newId: () => string;
  readonly correlationId: string;
  /** Id of the event (or null for a command) that caused this one. */
  readonly causationId: string | null;
}

/** A new event of the newest schema version of its type. */
export function newEvent<T>(
  type: string,
  schemaVersion: number,
  subject: string,
  aggregateVersion: number,
  data: T,
  ctx: EventContext,
): EventRecord<T> {
  return {
    id: ctx.newId(),
    type,
    schemaVersion,
    subject,
    aggregateVersion,
    occurredAt: ctx.now.toISOString(),
    originRegion: ctx.region,
    correlationId: ctx.correlationId,
    causationId: ctx.causationId,
    data,
  };
}

/** The context for events caused by `cause`: same correlation, causation is the cause's id. */
export function causedBy(cause: EventRecord, region: string, now: Date, newId: () => string): EventContext {
  return { region, now, newId, correlationId: cause.correlationId, causationId: cause.id };
}
