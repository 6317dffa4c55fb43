/**
 * CloudEvents `type` names: prefixed with a reverse-DNS name, as the CloudEvents spec
 * recommends, so they stay unique beside other producers' events on a shared broker.
 */
export const eventTypePrefix = "io.meridian.";

export function eventType<N extends string>(name: N): `io.meridian.${N}` {
  return `io.meridian.${name}`;
}

/**
 * The type an event was stored under before the prefix (e.g. `order.placed`): such events keep
 * reading, renamed as they are checked (see checkEvent), while history stays as written.
 */
export function currentTypeName(stored: string): string {
  return stored.startsWith(eventTypePrefix) ? stored : `${eventTypePrefix}${stored}`;
}

/** The CloudEvents `dataschema` of a type at a schema version: a URI naming its contract. */
export function dataSchemaOf(type: string, schemaVersion: number): string {
  return `urn:meridian:schema:${type}:v${schemaVersion}`;
}
