import type { z } from "zod";
import { type EventContext, type EventRecord, eventRecordSchema, newEvent } from "./envelope.js";
import { currentTypeName } from "./event-types.js";
import { inventoryEventTypes, reservationV1, stockLevelV1 } from "./inventory-events.js";
import { describeIssues } from "./order-input.js";
import {
  orderCancelledV1,
  orderCancelledV2,
  orderConfirmedV1,
  orderEventTypes,
  orderPlacedV1,
  orderPlacedV2,
  orderRejectedV1,
  v1Currency,
} from "./order-events.js";
import { paymentEventTypes, paymentV1 } from "./payment-events.js";
import { replicationAcknowledgedV1, replicationEventTypes } from "./replication-events.js";

/** Thrown when an event does not match its contract; consumers dead-letter it with this reason. */
export class ContractError extends Error {
  override name = "ContractError";
}

interface Contract {
  readonly schema: z.ZodType;
  /** Turns data of this version into data of the next one. Absent on the newest version. */
  readonly upcast?: (data: never) => unknown;
}

/**
 * type -> schema version -> contract. Producers write the newest version; consumers check an
 * event against the schema of the version it was written with, then upcast it step by step, so
 * a v1 event stored years ago still reads as today's shape.
 */
const contracts: Readonly<Record<string, Readonly<Record<number, Contract>>>> = {
  [orderEventTypes.placed]: {
    1: { schema: orderPlacedV1, upcast: (d: z.infer<typeof orderPlacedV1>) => ({ ...d, currency: v1Currency }) },
    2: { schema: orderPlacedV2 },
  },
  [orderEventTypes.confirmed]: { 1: { schema: orderConfirmedV1 } },
  [orderEventTypes.rejected]: { 1: { schema: orderRejectedV1 } },
  // v1's reasons are all v2 reasons: the upcast changes nothing but the version.
  [orderEventTypes.cancelled]: {
    1: { schema: orderCancelledV1, upcast: (d: z.infer<typeof orderCancelledV1>) => d },
    2: { schema: orderCancelledV2 },
  },
  [inventoryEventTypes.levelChanged]: { 1: { schema: stockLevelV1 } },
  ...Object.fromEntries(
    [inventoryEventTypes.reserved, inventoryEventTypes.rejected, inventoryEventTypes.released, inventoryEventTypes.voided].map((t) => [
      t,
      { 1: { schema: reservationV1 } },
    ]),
  ),
  ...Object.fromEntries(Object.values(paymentEventTypes).map((t) => [t, { 1: { schema: paymentV1 } }])),
  [replicationEventTypes.acknowledged]: { 1: { schema: replicationAcknowledgedV1 } },
};

/** The newest schema version of each type: what producers write. */
export function currentVersion(type: string): number {
  const versions = Object.keys(contracts[type] ?? {}).map(Number);
  if (versions.length === 0) throw new ContractError(`unknown event type ${type}`);
  return Math.max(...versions);
}

/**
 * Checks a record against its envelope and data schema, upcasts it to the newest version (and
 * its type to today's name), or throws.
 */
export function checkEvent(raw: unknown): EventRecord {
  const envelope = eventRecordSchema.safeParse(raw);
  if (!envelope.success) throw new ContractError(`event envelope invalid: ${describeIssues(envelope.error, "event")}`);
  // Events stored before type names were prefixed read as today's types.
  const record = { ...(envelope.data as EventRecord), type: currentTypeName(envelope.data.type) };
  const byVersion = contracts[record.type];
  if (!byVersion) throw new ContractError(`no contract for event type ${record.type}`);
  let version = record.schemaVersion;
  const contract = byVersion[version];
  if (!contract) throw new ContractError(`no contract for ${record.type} v${version}`);
  const parsed = contract.schema.safeParse(record.data);
  if (!parsed.success) throw new ContractError(`${record.type} v${version} data invalid: ${describeIssues(parsed.error, "data")}`);
  let data: unknown = parsed.data;
  for (let step = byVersion[version]; step?.upcast; step = byVersion[version]) {
    data = step.upcast(data as never);
    version += 1;
  }
  return { ...record, schemaVersion: version, data };
}

/** Producer-side check: an event we are about to write must satisfy its newest contract. */
export function assertPublishable(event: EventRecord): void {
  if (event.schemaVersion !== currentVersion(event.type)) {
    throw new ContractError(`${event.type} must be written as v${currentVersion(event.type)}, not v${event.schemaVersion}`);
  }
  checkEvent(event);
}

/** A new event written at the newest schema version of its type. */
export function createEvent<T>(type: string, subject: string, aggregateVersion: number, data: T, ctx: EventContext): EventRecord<T> {
  return newEvent(type, currentVersion(type), subject, aggregateVersion, data, ctx);
}
