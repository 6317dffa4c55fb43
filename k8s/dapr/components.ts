import type { Construct } from "constructs";
import type { BrokerConnection } from "../../platform/dapr/pubsub.js";
import { regionComponents } from "../../platform/dapr/region.js";
import type { SecretRef } from "../../platform/dapr/resource.js";
import type { StoreConnection } from "../../platform/dapr/state.js";
import { type Endpoint, type PubsubProfile, type RegionConfig, type StateProfile, lockRedisOf } from "../../platform/regions.js";
import type { LockConnection } from "../../platform/dapr/lock.js";
import { isWorkflowApp } from "../../platform/topology.js";
import { appsOf } from "../apps.js";
import { Component, type ComponentProps } from "../imports/dapr-component-dapr.io.js";

/** The Kubernetes secret store built into daprd; the Dapr operator resolves its `secretKeyRef`s. */
const secretStore = "kubernetes";

/** The key of a peer broker's credential in its Secret: what the profile authenticates with. */
const credentialKey: Readonly<Record<PubsubProfile["profile"], string>> = {
  redis: "password",
  jetstream: "token",
  rabbitmq: "connectionString",
  kafka: "password",
};

/** Secret in this cluster holding the credential of a peer region's broker (for rabbitmq, its whole AMQP URI). */
export function peerBrokerSecret(peer: RegionConfig): SecretRef {
  return { name: `peer-${peer.name}-broker`, key: credentialKey[peer.pubsub.profile] };
}

const address = (e: Endpoint) => ({ host: e.host, port: e.port });

/** How this region's sidecars reach a region's broker: its own (`credential` absent) or a peer's across regions. */
export function brokerConnection(profile: PubsubProfile, cross?: { credential: SecretRef }): BrokerConnection {
  switch (profile.profile) {
    case "redis": {
      const e = cross ? profile.crossRegionEndpoint : profile.endpoint;
      return { profile: "redis", address: address(e), password: cross?.credential ?? profile.password, tls: e.tls };
    }
    case "jetstream": {
      const e = cross ? profile.crossRegionEndpoint : profile.endpoint;
      return { profile: "jetstream", url: `${e.tls ? "tls" : "nats"}://${e.host}:${e.port}`, token: cross?.credential ?? profile.token };
    }
    case "rabbitmq":
      return { profile: "rabbitmq", connectionString: cross?.credential ?? profile.connectionString };
    case "kafka":
      return {
        profile: "kafka",
        brokers: (cross ? profile.crossRegionBrokers : profile.brokers).map(address),
        username: profile.username,
        password: cross?.credential ?? profile.password,
        tls: (cross ? profile.crossRegionBrokers : profile.brokers).every((b) => b.tls),
      };
  }
}

/** The leases' Redis (see lockRedisOf); none when every app runs as one replica and there is no Redis. */
export function lockConnection(region: RegionConfig): LockConnection | undefined {
  const redis = lockRedisOf(region);
  return redis && { address: address(redis.endpoint), password: redis.password, tls: redis.endpoint.tls };
}

export function storeConnection(profile: StateProfile): StoreConnection {
  switch (profile.profile) {
    case "redis":
      return { profile: "redis", address: address(profile.endpoint), password: profile.password, tls: profile.endpoint.tls };
    case "postgresql":
      return { profile: "postgresql", connectionString: profile.connectionString };
    case "mysql":
      return { profile: "mysql", connectionString: profile.connectionString, database: profile.database };
  }
}

/**
 * State stores, pub/subs (with topic scoping) and one link per peer region: the same builders
 * as the local runner (platform/dapr/), with addresses from region config and credentials from
 * Kubernetes Secrets.
 */
export function addComponents(scope: Construct, region: RegionConfig, peers: readonly RegionConfig[]): void {
  const docs = regionComponents({
    region: region.name,
    broker: brokerConnection(region.pubsub),
    store: storeConnection(region.state),
    lock: lockConnection(region),
    peers: peers.map((p) => ({ name: p.name, broker: brokerConnection(p.pubsub, { credential: peerBrokerSecret(p) }) })),
    secretStore,
    workflows: appsOf(region).some(isWorkflowApp),
  });
  for (const { apiVersion: _v, kind: _k, ...doc } of docs) new Component(scope, doc.metadata.name, doc as ComponentProps);
}
