import type { z } from "zod";
import { describeIssues } from "./order-input.js";
import { type EventRecord, eventRecordSchema } from "./envelope.js";
import { orderEventTypes, orderPlacedV1 } from "./order-events.js";

/** Thrown when an event does not match its contract; consumers dead-letter it with this reason. */
export class ContractError extends Error {
  override name = "ContractError";
}

/** type -> schema version -> schema of `data`. Producer and consumers check against the same table. */
const schemas: Readonly<Record<string, Readonly<Record<number, z.ZodType>>>> = {
  [orderEventTypes.placed]: { 1: orderPlacedV1 },
};

/** The newest schema version of each type: what producers write. */
export function currentVersion(type: string): number {
  const versions = Object.keys(schemas[type] ?? {}).map(Number);
  if (versions.length === 0) throw new ContractError(`unknown event type ${type}`);
  return Math.max(...versions);
}

/** Checks an event record against its envelope and data schema; returns it typed, or throws. */
export function checkEvent(raw: unknown): EventRecord {
  const envelope = eventRecordSchema.safeParse(raw);
  if (!envelope.success) throw new ContractError(`event envelope invalid: ${describeIssues(envelope.error)}`);
  const record = envelope.data as EventRecord;
  const schema = schemas[record.type]?.[record.schemaVersion];
  if (!schema) throw new ContractError(`no contract for ${record.type} v${record.schemaVersion}`);
  const data = schema.safeParse(record.data);
  if (!data.success) throw new ContractError(`${record.type} v${record.schemaVersion} data invalid: ${describeIssues(data.error)}`);
  return { ...record, data: data.data };
}
