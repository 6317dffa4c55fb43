/**
 * What an order event that another region decided must be before this region stores it: a
 * replica delivered over a peer link, or a stream put back from a peer's event lake (restore).
 * Pure: no HTTP, no Dapr, no clock.
 *
 * The contract (envelope and data schema, checkEvent) is checked before these run; what is left
 * are the rules a schema cannot state, because they relate an event's fields to each other, to
 * the order's stream and to where the event came from. Each one closes a door a compromised pod
 * or region would otherwise walk through:
 * - only order events: one stock or payment event stored in an order's stream makes every fold
 *   of it throw (the region's digest, the read model's rebuild);
 * - `subject` is `data.orderId`: the stream key is the subject, the fold takes the id from the
 *   data, so a mismatch would write one order's history under another's key;
 * - `order.placed` exactly at version 1: a stream must start with it, and only once;
 * - the event came from the order's home region: an order has one writer, so a peer may hand on
 *   only its own orders' events, never a third region's or this region's own;
 * - never from this region itself (a loop): a replica stored with this region as its origin
 *   would be published on the region's own topic, where inventory and payments act on it.
 */
import { DomainError } from "../domain/errors.js";
import type { EventRecord } from "../events/envelope.js";
import { type OrderPlaced, orderEventTypes } from "../events/order-events.js";

/** Why an event handed in from another region is refused, one code per rule. */
export const refusalReasons = [
  /** Not an event of the Order aggregate. */
  "not-order-event",
  /** `subject` and `data.orderId` name different orders. */
  "subject-mismatch",
  /** A restored event of another order than the stream being restored. */
  "other-order",
  /** `order.placed` at a version other than 1, or version 1 something else. */
  "placed-not-first",
  /** The event came from this very region. */
  "loop",
  /** The region it came from is not the order's home region. */
  "not-from-home",
  /** A restored stream whose versions do not run 1 to n. */
  "versions-not-contiguous",
  /** A restored stream holding one event twice. */
  "repeated-event-id",
] as const;
export type RefusalReason = (typeof refusalReasons)[number];

export interface Refusal {
  readonly reason: RefusalReason;
  readonly detail: string;
  /** What was found, for the problem document and the dead letter (ids, regions, versions). */
  readonly facts: Readonly<Record<string, unknown>>;
}

/**
 * An event refused for good: the same bytes will be refused again, so it must not be retried.
 * Answered, like every domain error, by the shared error handler: the 422 `event-refused` problem.
 */
export class EventRefused extends DomainError {
  override name = "EventRefused";
  readonly reason: RefusalReason;
  constructor(refusal: Refusal) {
    super("event-refused", refusal.detail, { reason: refusal.reason, ...refusal.facts });
    this.reason = refusal.reason;
  }
}

const orderTypes: ReadonlySet<string> = new Set(Object.values(orderEventTypes));

function dataField(event: EventRecord, field: string): unknown {
  const data = event.data;
  return data !== null && typeof data === "object" ? (data as Record<string, unknown>)[field] : undefined;
}

/** The rules an order event obeys on its own, wherever it comes from. */
export function orderEventRefusal(event: EventRecord): Refusal | undefined {
  const facts = { eventId: event.id, eventType: event.type, subject: event.subject, version: event.aggregateVersion };
  if (!orderTypes.has(event.type)) {
    return {
      reason: "not-order-event",
      detail: `event ${event.id} is a ${event.type}, not an order event (${[...orderTypes].join(", ")}): an order's stream holds only its own events`,
      facts,
    };
  }
  const orderId = dataField(event, "orderId");
  if (orderId !== event.subject) {
    return {
      reason: "subject-mismatch",
      detail: `event ${event.id}: its subject ${event.subject} is not its data.orderId ${String(orderId)}; both must name the order`,
      facts: { ...facts, dataOrderId: orderId },
    };
  }
  const placed = event.type === orderEventTypes.placed;
  if (placed !== (event.aggregateVersion === 1)) {
    return {
      reason: "placed-not-first",
      detail: placed
        ? `event ${event.id} places order ${event.subject} at version ${event.aggregateVersion}; an order is placed once, as version 1`
        : `event ${event.id} is version 1 of order ${event.subject} but a ${event.type}; every order's stream starts with order.placed`,
      facts,
    };
  }
  return undefined;
}

/** Where a replica came from, as the receiving region knows it (never as the event declares it). */
export interface ReplicaSource {
  /** The region whose peer link delivered the event. */
  readonly from: string;
  /** The region receiving it. */
  readonly receiving: string;
  /** The order's home region as this region holds the order; undefined while it holds none of it. */
  readonly heldHome: string | undefined;
}

/**
 * The rules a replica obeys: an order event, from another region, which is the order's home (as
 * its order.placed states it, and as the order held here says). An event of a later version of
 * an order not held here yet is judged when the events before it have arrived (it waits for them).
 */
export function replicaRefusal(event: EventRecord, { from, receiving, heldHome }: ReplicaSource): Refusal | undefined {
  const own = orderEventRefusal(event);
  if (own) return own;
  const facts = { eventId: event.id, orderId: event.subject, version: event.aggregateVersion, from, receiving };
  if (from === receiving) {
    return {
      reason: "loop",
      detail: `event ${event.id} of order ${event.subject} came from ${from}, this region itself; a region never replicates to itself`,
      facts,
    };
  }
  const statedHome = event.type === orderEventTypes.placed ? dataField(event, "homeRegion") : undefined;
  for (const home of [heldHome, statedHome]) {
    if (home !== undefined && home !== from) {
      return {
        reason: "not-from-home",
        detail: `order ${event.subject} is homed in ${String(home)}, but event ${event.id} came from ${from}; only an order's home region writes it`,
        facts: { ...facts, homeRegion: home },
      };
    }
  }
  return undefined;
}

/**
 * The rules a restored stream obeys (`events` in version order): every event an order event of
 * `orderId`, versions 1 to n each once, order.placed first, and every event from the home region
 * that order.placed names (an order's single writer). Whether the stream may be restored here at
 * all is the decision's (only into an empty stream).
 */
export function restoredStreamRefusal(orderId: string, events: readonly EventRecord[]): Refusal | undefined {
  const ids = new Set<string>();
  for (const [i, event] of events.entries()) {
    const own = orderEventRefusal(event);
    if (own) return own;
    const facts = { orderId, eventId: event.id, subject: event.subject, version: event.aggregateVersion };
    if (event.subject !== orderId) {
      return {
        reason: "other-order",
        detail: `event ${event.id} is about order ${event.subject}, not ${orderId}; a restore puts back one order's stream`,
        facts,
      };
    }
    if (event.aggregateVersion !== i + 1) {
      return {
        reason: "versions-not-contiguous",
        detail: `order ${orderId}'s restored stream has version ${event.aggregateVersion} where version ${i + 1} belongs; versions run 1 to n, each once`,
        facts: { ...facts, expectedVersion: i + 1 },
      };
    }
    if (ids.has(event.id)) {
      return { reason: "repeated-event-id", detail: `event ${event.id} appears twice in order ${orderId}'s restored stream`, facts };
    }
    ids.add(event.id);
  }
  const first = events[0];
  if (!first) {
    return { reason: "versions-not-contiguous", detail: `order ${orderId}'s restored stream holds no events`, facts: { orderId } };
  }
  const home = (first.data as OrderPlaced).homeRegion;
  const stray = events.find((e) => e.originRegion !== home);
  if (stray) {
    return {
      reason: "not-from-home",
      detail: `order ${orderId} is homed in ${home}, but its event ${stray.id} (version ${stray.aggregateVersion}) originated in ${stray.originRegion}; only an order's home region writes it`,
      facts: { orderId, eventId: stray.id, version: stray.aggregateVersion, homeRegion: home, originRegion: stray.originRegion },
    };
  }
  return undefined;
}
