/**
 * Decisions of the Order aggregate about events another region decided: replicas from a peer
 * link, and whole streams put back from a peer's event lake. Pure, like ./domain.ts; the rules
 * an event must obey are services/shared/orders/event-checks.ts, these add what the stream
 * held here says.
 */
import { type Decided, duplicate, noop } from "../shared/domain/decision.js";
import { DomainError } from "../shared/domain/errors.js";
import type { EventRecord } from "../shared/events/envelope.js";
import { EventRefused, replicaRefusal, restoredStreamRefusal } from "../shared/orders/event-checks.js";
import type { OrderState } from "../shared/orders/order-state.js";

/**
 * A replica, kept in version order: refused for good when it breaks a rule (EventRefused); an
 * event already held is a duplicate; one that skips a version waits for the one before it.
 *
 * `event.originRegion` is the region whose peer link delivered it: the replicator stamps it so,
 * whatever the event declared (services/replicator/replication.ts), and only the replicator may
 * call this path (the access policy of `replica`). Trusting a declared origin would let a peer
 * write a third region's orders here, or this region's own, which would then be published on
 * this region's topic for inventory and payments to act on.
 */
export function acceptReplicaFrom(
  held: readonly EventRecord[],
  state: OrderState | undefined,
  event: EventRecord,
  region: string,
): Decided<object> {
  const refusal = replicaRefusal(event, { from: event.originRegion, receiving: region, heldHome: state?.homeRegion });
  if (refusal) throw new EventRefused(refusal);
  if (event.aggregateVersion <= held.length) return duplicate;
  if (event.aggregateVersion > held.length + 1) {
    throw new DomainError(
      "replica-waiting",
      `replica of ${event.subject} holds version ${held.length}; version ${event.aggregateVersion} must wait`,
      { heldVersion: held.length },
    );
  }
  return { kind: "write" };
}

/**
 * Re-seeding a region that lost its data: a whole stream (`events` in version order), put back
 * only where this region holds nothing of the order. A stream held here, longer or shorter, is
 * never replaced: it is this region's history (written by its own orders, or replicated since
 * it came back), and a restore over it could rewrite an order's past. The same stream restored
 * again (a re-run of the re-seed) is kept as it is, so re-seeding stays safe to repeat.
 */
export function restoreInto(orderId: string, held: readonly EventRecord[], events: readonly EventRecord[]): Decided<object> {
  const refusal = restoredStreamRefusal(orderId, events);
  if (refusal) throw new EventRefused(refusal);
  if (held.length === 0) return { kind: "write" };
  if (held.length === events.length && held.every((e, i) => e.id === events[i]!.id)) return noop;
  throw new DomainError(
    "conflict",
    `order ${orderId} already holds ${held.length} events here; a restore only fills an empty stream, it never replaces one`,
    { orderId, heldEvents: held.length, restoredEvents: events.length },
  );
}
