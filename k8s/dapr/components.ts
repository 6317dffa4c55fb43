import type { Construct } from "constructs";
import { type Endpoint, type PubsubProfile, type RegionConfig, type StateProfile, peerLinkApp } from "../../platform/regions.js";
import {
  componentScopes,
  components,
  peerConsumerGroup,
  peerLinkInitTimeout,
  peerLinkName,
  pubsubTuning,
  relayTopicOf,
  replicatedTopics,
  stores,
  topics,
} from "../../platform/topology.js";
import { renderTemplate } from "../../platform/dapr-resources.js";
import { topicScopes } from "../../platform/access.js";
import { Component, type ComponentSpecMetadata } from "../imports/dapr-component-dapr.io.js";

type Metadata = ComponentSpecMetadata[];

/** Redis Streams tuning per component: the one table in platform/topology.ts. */
export const redisPubsubTuning = {
  [components.pubsub]: pubsubTuning.events,
  [components.outboxPubsub]: pubsubTuning.outbox,
} as const;

/** The Kubernetes secret store built into daprd; the Dapr operator resolves its `secretKeyRef`s. */
const secretStore = "kubernetes";

/** Topics that cross regions: only order changes (stock and payments are regional; see platform/topology.ts). */
export { replicatedTopics };

/** Secret in this cluster holding the password of a peer region's broker. */
export function peerBrokerSecret(peer: string): { name: string; key: string } {
  return { name: `peer-${peer}-broker`, key: "password" };
}

const hostPort = (e: Endpoint): string => `${e.host}:${e.port}`;

function scopesOf(name: string): string[] {
  const scoped = componentScopes[name];
  if (!scoped) throw new Error(`no scopes declared for component ${name} in platform/topology.ts`);
  return [...scoped];
}

/** Topic scoping for the business pub/sub (platform/access.ts). */
export { topicScopes };

function pubsubSpec(
  profile: PubsubProfile,
  name: string,
  consumer: { consumerId?: string; cross?: boolean; secret?: { name: string; key: string } },
): { type: string; metadata: Metadata } {
  const secret = consumer.secret ?? profile.password;
  if (profile.profile === "redis") {
    const tuning = redisPubsubTuning[name as keyof typeof redisPubsubTuning] ?? redisPubsubTuning[components.pubsub];
    const target = consumer.cross ? profile.crossRegionEndpoint : profile.endpoint;
    const doc = renderTemplate("pubsub.redis.yaml", { name, redisHost: hostPort(target), ...tuning });
    return {
      type: String(doc.spec["type"]),
      metadata: [
        ...(doc.spec.metadata ?? []),
        { name: "redisPassword", secretKeyRef: secret },
        { name: "enableTLS", value: String(target.tls) },
        ...(consumer.consumerId ? [{ name: "consumerID", value: consumer.consumerId }] : []),
      ],
    };
  }
  const brokers = consumer.cross ? profile.crossRegionBrokers : profile.brokers;
  return {
    type: "pubsub.kafka",
    metadata: [
      { name: "brokers", value: brokers.map(hostPort).join(",") },
      // Dapr fills {appID}; a peer link overrides it so it never joins the peer's own groups.
      { name: "consumerGroup", value: consumer.consumerId ?? "{appID}" },
      { name: "authType", value: "password" },
      { name: "saslUsername", value: profile.username },
      { name: "saslPassword", secretKeyRef: secret },
      { name: "saslMechanism", value: "SHA-512" },
      // A new consumer group starts from the beginning, so a new region or consumer misses nothing.
      { name: "initialOffset", value: "oldest" },
      { name: "disableTls", value: String(!brokers.every((b) => b.tls)) },
    ],
  };
}

function stateSpec(profile: StateProfile, name: string): { type: string; version: string; metadata: Metadata } {
  if (profile.profile === "redis") {
    const doc = renderTemplate("state.redis.yaml", { name, redisHost: hostPort(profile.endpoint) });
    return {
      type: String(doc.spec["type"]),
      version: String(doc.spec["version"]),
      metadata: [
        ...(doc.spec.metadata ?? []),
        { name: "redisPassword", secretKeyRef: profile.password },
        { name: "enableTLS", value: String(profile.endpoint.tls) },
      ],
    };
  }
  return { type: "state.postgresql", version: "v2", metadata: [{ name: "connectionString", secretKeyRef: profile.connectionString }] };
}

/** State stores, pub/subs (with topic scoping) and peer links of one region. */
export function addComponents(scope: Construct, region: RegionConfig): void {
  const pubsubs = [components.pubsub, components.outboxPubsub];
  for (const name of pubsubs) {
    const { type, metadata } = pubsubSpec(region.pubsub, name, {});
    // The outbox topic is internal to daprd and named from the namespace and app-id; the
    // component scope (orders only) is what confines it, so it gets no topic scoping.
    const scoping = name === components.pubsub ? topicScopes(name) : [];
    new Component(scope, name, {
      metadata: { name },
      auth: { secretStore },
      spec: { type, version: "v1", metadata: [...metadata, ...scoping] },
      scopes: scopesOf(name),
    });
  }
  for (const store of stores) {
    const { type, version, metadata } = stateSpec(region.state, store.name);
    const outbox: Metadata = store.outboxTopic
      ? [
          { name: "outboxPublishPubsub", value: components.pubsub },
          { name: "outboxPublishTopic", value: relayTopicOf(store.outboxTopic) },
          { name: "outboxPubsub", value: components.outboxPubsub },
        ]
      : [];
    new Component(scope, store.name, {
      metadata: { name: store.name },
      auth: { secretStore },
      spec: { type, version, metadata: [...metadata, ...outbox] },
      scopes: scopesOf(store.name),
    });
  }
}

/**
 * The cross-region links: one pub/sub per peer, pointing at the peer's broker, usable only by
 * the replicator and only for the replicated topics (orders) and the acknowledgements. Its consumer group is named after this region so
 * reading the peer's streams never competes with the peer's own consumers.
 */
export function addPeerLinks(scope: Construct, region: RegionConfig, peers: readonly RegionConfig[]): void {
  for (const peer of peers) {
    const name = peerLinkName(peer.name);
    const { type, metadata } = pubsubSpec(peer.pubsub, name, {
      cross: true,
      consumerId: peerConsumerGroup(region.name),
      secret: peerBrokerSecret(peer.name),
    });
    new Component(scope, name, {
      metadata: { name, labels: { "meridian.io/peer-region": peer.name } },
      auth: { secretStore },
      spec: {
        type,
        version: "v1",
        initTimeout: peerLinkInitTimeout,
        metadata: [...metadata, { name: "allowedTopics", value: [...replicatedTopics, topics.replicationAcks].join(",") }],
      },
      scopes: [peerLinkApp],
    });
  }
}
