/**
 * Every Dapr component of one region: the business pub/sub (with topic scopes), the outbox's
 * pub/sub, the state stores (with their outboxes), one link per peer region and, where workflows
 * run, the actor state store. The local runner
 * and the manifests differ only in the connections they pass (addresses, secret references).
 */
import { topicScopes } from "../access.js";
import {
  apps,
  components,
  peerConsumerGroup,
  peerLinkInitTimeout,
  peerLinkName,
  regionComponentScopes,
  replicatedTopics,
  stores,
  topics,
  workflowComponentScopes,
  workflowStateStore,
} from "../topology.js";
import { type LockConnection, lockComponent } from "./lock.js";
import { type BrokerConnection, pubsubComponent } from "./pubsub.js";
import { type ComponentDoc, withMetadata, withScopes, withSecretStore } from "./resource.js";
import { type StoreConnection, actorStateStore, stateComponent } from "./state.js";

/** The app-id allowed to use the peer links. */
export const peerLinkApp = apps.replicator;

export interface RegionComponentsInput {
  readonly region: string;
  readonly broker: BrokerConnection;
  readonly store: StoreConnection;
  /** Each peer region and its broker as reached from this region. */
  readonly peers: readonly { readonly name: string; readonly broker: BrokerConnection }[];
  /** The secret store that resolves the connections' secret references. */
  readonly secretStore?: string;
  /** Where the leases live (a Redis); without one the apps can only run as one replica each. */
  readonly lock?: LockConnection | undefined;
  /** The region runs the workflow apps: it gets their actor state store, on the region's store. */
  readonly workflows?: boolean;
}

function scoped(doc: ComponentDoc, workflows: boolean): ComponentDoc {
  const scopes = regionComponentScopes(workflows)[doc.metadata.name];
  if (!scopes) throw new Error(`no scopes declared for component ${doc.metadata.name} in platform/topology.ts`);
  return withScopes(doc, scopes);
}

export function regionComponents(input: RegionComponentsInput): ComponentDoc[] {
  const secured = (doc: ComponentDoc): ComponentDoc => withSecretStore(doc, input.secretStore);
  // Each app may publish only the topics it owns and read only those it subscribes to. The outbox
  // topic is internal to daprd and named from the app-id; its component scope confines it.
  const workflows = input.workflows ?? false;
  const pubsub = withMetadata(
    pubsubComponent(components.pubsub, input.broker, { role: "events" }),
    topicScopes(components.pubsub, workflows),
  );
  const outbox = pubsubComponent(components.outboxPubsub, input.broker, { role: "outbox" });
  const states = stores.map((s) => stateComponent(s, input.store));
  return [
    ...[pubsub, outbox, ...states].map((doc) => scoped(secured(doc), workflows)),
    ...(input.lock ? [secured(lockComponent(input.lock))] : []),
    ...input.peers.map((peer) => secured(peerLink(input.region, peer.name, peer.broker))),
    ...(workflows ? [secured(workflowStore(input.store))] : []),
  ];
}

/** Dapr Workflow's state (an actor state store), usable only by the workflow apps. */
function workflowStore(store: StoreConnection): ComponentDoc {
  const scopes = workflowComponentScopes[workflowStateStore];
  if (!scopes) throw new Error(`no scopes declared for component ${workflowStateStore} in platform/topology.ts`);
  return withScopes(actorStateStore(workflowStateStore, store), scopes);
}

/**
 * The cross-region link: the peer's broker, read with this region's own durable consumer (its
 * position kept in the peer's broker), usable only by the replicator and only for the replicated
 * topics and the acknowledgements it sends back.
 */
export function peerLink(region: string, peer: string, broker: BrokerConnection): ComponentDoc {
  const doc = withMetadata(
    pubsubComponent(peerLinkName(peer), broker, { role: "events", consumerGroup: peerConsumerGroup(region), peerLink: true }),
    [
      { name: "allowedTopics", value: [...replicatedTopics, topics.replicationAcks].join(",") },
      // Through the link the replicator only reads the peer's order events and only writes its
      // acknowledgements: a compromised region cannot publish order events into its peer this
      // way (the peer's inventory and payments would act on them). In the clusters the broker
      // user the link holds is limited the same way (k8s/README.md, peer link).
      { name: "publishingScopes", value: `${peerLinkApp}=${topics.replicationAcks}` },
      { name: "subscriptionScopes", value: `${peerLinkApp}=${replicatedTopics.join(",")}` },
    ],
  );
  return {
    ...doc,
    metadata: { ...doc.metadata, labels: { "meridian.io/peer-region": peer } },
    // The peer may be the region that is down: this sidecar must start all the same. A link that
    // fails at start stays down for the sidecar's life, so it gets longer than the 5 s default.
    spec: { ...doc.spec, ignoreErrors: true, initTimeout: peerLinkInitTimeout },
    scopes: [peerLinkApp],
  };
}
