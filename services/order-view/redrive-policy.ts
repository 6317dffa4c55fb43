/**
 * What a dead letter may be redriven to, and with what: pure decisions, no I/O (dead-letters.ts
 * asks the lake and invokes).
 *
 * Why so strict: order-view may invoke every subscriber's `/events/**` (the redrive edges of
 * `invocations` in platform/topology.ts), so whatever a fault says is an order-view call with
 * order-view's identity. An app that can publish only to its own topics and its own dead-letter
 * topic must not be able to make another app (or itself) act on an event that no writer ever
 * published: a forged `order.cancelled` handed to payments refunds a confirmed order. So:
 * - the subscriber is the app whose dead-letter topic the fault came on (topic scopes let only that
 *   app and its sidecar publish there), never what the fault says;
 * - the redrive goes to one of that app's own subscriptions that dead-letter to that topic (from
 *   the topology's `subscriptions`, the one source of truth), with an event of a type that
 *   subscription's topic carries;
 * - the event must be one the event lake archived from the region's topics: same id, and the same
 *   record once checked (type, subject, data, versions, origin, correlation); see `lakeRule` for the
 *   few deliveries the lake cannot vouch for. This holds for a fault an app redrives to itself too:
 *   whoever holds an app's Dapr token can write its store, but not make its code act (ask a payment
 *   provider for a refund, release stock, publish), which a forged event handed to it would. A
 *   genuine event handed back changes nothing twice (handlers are idempotent by event id).
 * What the lake vouches for: the event was published on one of the region's topics, which topic
 * scopes let only that topic's writer publish to; the type check ties it to the writer's topic.
 */
import { isDeepStrictEqual } from "node:util";
import {
  type SubscriberAppId,
  type SubscriptionSpec,
  apps,
  deadLetterTopicOf,
  relayTopicOf,
  stores,
  subscriberOfDeadLetterTopic,
  subscriptions,
} from "../../platform/topology.js";
import { ContractError, checkEvent } from "../shared/events/contracts.js";
import type { EventRecord } from "../shared/events/envelope.js";
import type { ReceivedFault } from "../shared/events/fault.js";
import { carriedTopicOf, eventTypesOf } from "../shared/events/topic-events.js";

/** Why a redrive was refused; each names one rule above. */
export const refusalCodes = {
  /** The fault names another subscriber than the app whose dead-letter topic it came on. */
  subscriberMismatch: "subscriber-mismatch",
  /** No subscription of the subscriber (dead-lettering to that topic) delivers that topic to that route. */
  routeNotSubscribed: "route-not-subscribed",
  /** The event breaks its contract: the subscriber would only dead-letter it again. */
  eventInvalid: "event-invalid",
  /** The event's type is not one the subscription's topic carries. */
  typeNotAccepted: "type-not-accepted",
  /** The lake holds no event with that id for the topic (not yet, or never). */
  notInLake: "not-in-lake",
  /** The lake holds an event with that id, but a different one. */
  differsFromLake: "differs-from-lake",
} as const;
export type RefusalCode = (typeof refusalCodes)[keyof typeof refusalCodes];

export interface Refusal {
  readonly code: RefusalCode;
  readonly reason: string;
  /**
   * Final: the same fault is refused every time, so the redriver gives up at once. Not final (the
   * lake has not archived the event yet, it archives in batches): a later try may pass.
   */
  readonly final: boolean;
}

/** Whether the lake must vouch for the event before a redrive, and if not, why not. */
export type LakeRule = { readonly required: true; readonly topic: string } | { readonly required: false; readonly why: string };

export interface RedriveTarget {
  readonly app: SubscriberAppId;
  /** The subscription the event is handed back to: its route, and the topic it carries. */
  readonly subscription: SubscriptionSpec;
  /** The event as checked and upcast: what the subscriber will act on. */
  readonly event: EventRecord;
  /** What is posted: see `redeliverable`. */
  readonly cloudEvent: Record<string, unknown>;
  readonly lake: LakeRule;
}

/** What a redrive is decided from; faults recorded before they were bound to their topic lack `deadLetterTopic`. */
export type RedriveCandidate = Pick<ReceivedFault, "subscriber" | "route" | "topic" | "cloudEvent"> &
  Partial<Pick<ReceivedFault, "deadLetterTopic" | "declaredSubscriber">>;

/**
 * The lake archives every event of the aggregates' topics (each store's outbox topic), the
 * replicas of a replicated topic under the topic itself (services/replicator/subscriptions.ts):
 * the topics whose events it can vouch for.
 */
const lakeTopics: ReadonlySet<string> = new Set(
  subscriptions
    .filter((s) => s.app === apps.replicator)
    .map((s) => carriedTopicOf(s.topic))
    .filter((t): t is string => t !== undefined && stores.some((store) => store.outboxTopic === t)),
);

const refusal = (code: RefusalCode, reason: string, final = true): Refusal => ({ code, reason, final });

/** The refusal of a fault whose body names another subscriber than the dead-letter topic it arrived on. */
export function subscriberMismatch(declared: string, deadLetterTopic: string): Refusal | undefined {
  const subscriber = subscriberOfDeadLetterTopic(deadLetterTopic);
  if (subscriber !== undefined && declared === subscriber) return undefined;
  return refusal(
    refusalCodes.subscriberMismatch,
    `the fault arrived on ${deadLetterTopic}, the dead letters of ${subscriber ?? "no known app"}, but names ${declared} as its ` +
      `subscriber: a fault is redriven only to the app whose dead-letter topic it came on, so it is kept to be looked at, never redriven`,
  );
}

/** The subscriptions a fault that arrived on `deadLetterTopic` may be handed back to: those that dead-letter there. */
export function redriveRoutesOf(deadLetterTopic: string): readonly SubscriptionSpec[] {
  return subscriptions.filter((s) => s.deadLetterTopic === deadLetterTopic);
}

/** Where, and with what, a fault may be redriven; or why it may not. The lake's word is asked for separately. */
export function redriveTarget(fault: RedriveCandidate): { readonly target: RedriveTarget } | { readonly refusal: Refusal } {
  // A fault recorded before faults were bound to their topic has only the subscriber its body named:
  // it gets no exemption from the lake (lakeRule), which is what makes redriving it safe.
  const bound = fault.deadLetterTopic !== undefined;
  const deadLetterTopic = fault.deadLetterTopic ?? deadLetterTopicOf(fault.subscriber as SubscriberAppId);
  const mismatch =
    subscriberMismatch(fault.declaredSubscriber ?? fault.subscriber, deadLetterTopic) ??
    subscriberMismatch(fault.subscriber, deadLetterTopic);
  if (mismatch) return { refusal: mismatch };

  const allowed = redriveRoutesOf(deadLetterTopic);
  const subscription = allowed.find((s) => s.topic === fault.topic && s.route === fault.route);
  if (!subscription) {
    const own = allowed.map((s) => `${s.topic} -> ${s.route}`).join(", ") || "none";
    return {
      refusal: refusal(
        refusalCodes.routeNotSubscribed,
        `${fault.subscriber} has no subscription delivering topic ${fault.topic || "(none)"} to ${fault.route || "(no route)"}; ` +
          `a redrive goes only to its own subscriptions (${own})`,
      ),
    };
  }

  let event: EventRecord;
  try {
    event = checkEvent(fault.cloudEvent["data"]);
  } catch (err) {
    if (!(err instanceof ContractError)) throw err;
    return {
      refusal: refusal(
        refusalCodes.eventInvalid,
        `the event breaks its contract (${err.message}); ${subscription.app} would dead-letter it again`,
      ),
    };
  }
  const accepted = eventTypesOf(subscription.topic);
  if (!accepted.includes(event.type)) {
    return {
      refusal: refusal(
        refusalCodes.typeNotAccepted,
        `${event.type} is not an event of topic ${subscription.topic}: ${subscription.app}'s subscription ${subscription.route} ` +
          `accepts only ${accepted.join(", ") || "no event types"}`,
      ),
    };
  }
  const lake = lakeRule(subscription, bound);
  if (lake.required && !lakeTopics.has(lake.topic)) {
    return {
      refusal: refusal(refusalCodes.notInLake, `the lake does not archive topic ${lake.topic}, so nothing vouches for event ${event.id}`),
    };
  }
  return { target: { app: subscription.app, subscription, event, cloudEvent: redeliverable(fault.cloudEvent), lake } };
}

/**
 * Whether the lake must vouch for the event. It must, for every delivery of a topic it archives,
 * whoever the subscriber is (order-view's own faults and those of the replica topic included: the
 * lake keeps replicas under their topic). Two exceptions, for a fault bound to its dead-letter topic
 * (so its subscriber is certain), because the lake cannot vouch there and vouching would add nothing:
 * - the replicator's own faults: it failed to archive the event, so the lake does not have it; and a
 *   forged one could only make the replicator archive or count something, which the replicator
 *   (the lake store's single writer) can do with its own token anyway. The lake is as trustworthy
 *   as the replicator, whatever the redriver does. Its acknowledgements are no lake topic either.
 * - a writer's faults on its own store's relay topic: the relay forwards committed events its
 *   writer had not published, so the lake cannot have them yet; a forged one would make the writer
 *   publish to its own topic, which only that writer may publish to and can with its own token.
 * Any other topic the lake does not archive has no witness, and is refused (not-in-lake, final).
 */
export function lakeRule(subscription: SubscriptionSpec, bound: boolean): LakeRule {
  if (bound && subscription.app === apps.replicator)
    return { required: false, why: "the replicator's own fault: it is the lake, and writes the lake's store itself" };
  const ownRelay = stores.some(
    (s) => s.owner === subscription.app && s.outboxTopic !== undefined && relayTopicOf(s.outboxTopic) === subscription.topic,
  );
  if (bound && ownRelay)
    return { required: false, why: `${subscription.app}'s own relay topic: it republishes only to the topic it alone writes` };
  return { required: true, topic: carriedTopicOf(subscription.topic) ?? subscription.topic };
}

/**
 * Whether `archived` (what the lake answered for the event's id, raw) holds this very event for
 * `topic`: an event with the same id that, checked the same way, is the same record. The topic
 * needs no separate check: the event's type was checked against it, and each type belongs to one
 * topic's aggregate.
 */
export function checkAgainstLake(event: EventRecord, archived: readonly unknown[], topic: string): Refusal | undefined {
  const sameId = archived.flatMap((raw) => {
    try {
      const checked = checkEvent(raw);
      return checked.id === event.id ? [checked] : [];
    } catch {
      return [];
    }
  });
  if (sameId.length === 0)
    return refusal(
      refusalCodes.notInLake,
      `the lake holds no event ${event.id} of topic ${topic} (it archives every event of the topic within a second or so; ` +
        `if the replicator dead-lettered it too, redrive the replicator's fault first)`,
      false,
    );
  if (sameId.some((e) => isDeepStrictEqual(e, event))) return undefined;
  const archivedEvent = sameId[0]!;
  const differing = (Object.keys({ ...archivedEvent, ...event }) as (keyof EventRecord)[]).filter(
    (k) => !isDeepStrictEqual(archivedEvent[k], event[k]),
  );
  return refusal(
    refusalCodes.differsFromLake,
    `event ${event.id} is not the one the lake archived for topic ${topic} (${differing.join(", ")} differ): ` +
      `a redrive hands back only the event the subscriber was first given`,
  );
}

/**
 * What a redrive posts: the delivered CloudEvent's attributes (scalars, as the CloudEvents spec
 * has them) and its `data`, nothing else. The subscriber reads a body with `entries` as a bulk
 * delivery of other events, which none of the checks here would have seen.
 */
export function redeliverable(cloudEvent: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(cloudEvent).filter(
      ([key, value]) => key === "data" || value === null || ["string", "number", "boolean"].includes(typeof value),
    ),
  );
}
