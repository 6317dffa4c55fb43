/**
 * The distributed lock component (lock.redis): the leases that keep a writer's replicas from
 * deciding about the same keys at once (a Redis transaction does not roll back, so overlapping
 * writers could publish an event that was never stored), and the turns of background work.
 */
import { componentScopes, components } from "../topology.js";
import { type ComponentDoc, type HostPort, type Secret, componentDoc, hostPort, metadataItem, withScopes } from "./resource.js";

/** A Redis the lock keys live in: the region's own (its state or broker Redis, or one named for it). */
export interface LockConnection {
  readonly address: HostPort;
  readonly password?: Secret;
  readonly tls?: boolean;
}

export function lockComponent(c: LockConnection): ComponentDoc {
  const doc = componentDoc(components.lockStore, {
    type: "lock.redis",
    version: "v1",
    metadata: [
      { name: "redisHost", value: hostPort(c.address) },
      ...(c.password === undefined ? [] : [metadataItem("redisPassword", c.password)]),
      ...(c.tls === undefined ? [] : [{ name: "enableTLS", value: String(c.tls) }]),
    ],
  });
  return withScopes(doc, componentScopes[components.lockStore] ?? []);
}
