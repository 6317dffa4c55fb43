import { relayTopicOf, replicaTopicOf, replicatedTopics, stores, topics } from "../../../platform/topology.js";
import { inventoryEventTypes } from "./inventory-events.js";
import { orderEventTypes } from "./order-events.js";
import { paymentEventTypes } from "./payment-events.js";
import { replicationEventTypes } from "./replication-events.js";

/**
 * The event types each public topic carries. A topic is written by one aggregate's single writer
 * (its store's outbox and publish-on-commit, see CommitPublisher), or by the replicators for the
 * acknowledgements, so it carries that aggregate's types and nothing else: what a subscription of
 * the topic accepts. A new type of an aggregate is covered here by adding it to its `*EventTypes`.
 */
const publicTopicTypes: Readonly<Record<string, readonly string[]>> = {
  [topics.orders]: Object.values(orderEventTypes),
  [topics.inventory]: Object.values(inventoryEventTypes),
  [topics.payments]: Object.values(paymentEventTypes),
  [topics.replicationAcks]: Object.values(replicationEventTypes),
};

/**
 * The public topic whose events `topic` carries: the topic itself, or the topic a store's relay
 * topic (relayTopicOf) or a replica topic (replicaTopicOf) carries the events of; undefined for a
 * topic that carries no domain events (a dead-letter topic carries faults).
 */
export function carriedTopicOf(topic: string): string | undefined {
  if (Object.hasOwn(publicTopicTypes, topic)) return topic;
  const relayed = stores.find((s) => s.outboxTopic !== undefined && relayTopicOf(s.outboxTopic) === topic)?.outboxTopic;
  return relayed ?? replicatedTopics.find((t) => replicaTopicOf(t) === topic);
}

/** The event types a delivery on `topic` may carry (none for a topic of no domain events). */
export function eventTypesOf(topic: string): readonly string[] {
  const carried = carriedTopicOf(topic);
  return carried === undefined ? [] : (publicTopicTypes[carried] ?? []);
}
