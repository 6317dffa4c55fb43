import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { accessControlOf, allowedApis, topicScopes } from "../../platform/access.js";
import { type Doc, actorStateStore, renderTemplate, resiliency } from "../../platform/dapr-resources.js";
import {
  type AppId,
  type WorkflowAppId,
  allApps,
  allWorkflowApps,
  apps,
  componentScopes,
  components,
  peerConsumerGroup,
  peerLinkInitTimeout,
  peerLinkName,
  pubsubTuning,
  relayTopicOf,
  replicationSubscription,
  stores,
  subscriptionResourceSpec,
  subscriptions,
  workflowStateStore,
} from "../../platform/topology.js";

function withScopes(doc: Doc, name: string): Doc {
  const scopes = componentScopes[name];
  if (!scopes) throw new Error(`no scopes declared for component ${name} in platform/topology.ts`);
  return { ...doc, scopes: [...scopes] };
}

/** Which state store backs the services' stores: chosen by component YAML only. */
export type StateStoreProfile = { readonly kind: "redis" } | { readonly kind: "postgresql"; readonly connectionString: string };

export interface RegionResourceOptions {
  readonly dir: string;
  readonly redisAddress: string;
  readonly nameResolutionDb: string;
  /** OTLP/HTTP endpoint (host:port) for the sidecars' traces; none when undefined. */
  readonly otlpEndpoint?: string | undefined;
  readonly samplingRate?: string;
  readonly stateStore?: StateStoreProfile;
  /** This region's name; its consumer group on peer brokers is named after it. */
  readonly region: string;
  /** Every other region and the address its broker is reached at from here. */
  readonly peers: readonly { readonly name: string; readonly redisAddress: string }[];
  /**
   * Broker passwords (this region's and each peer's, by region name) and access control, which
   * needs the sidecars to run with mTLS. Absent only for the Dapr CLI run (`render-cli.ts`):
   * `dapr init` starts neither a Sentry nor a Redis with a password.
   */
  readonly security?: { readonly redisPasswords: Readonly<Record<string, string>> };
  /** The region runs the workflow apps: their Configuration and the actor state store, on the region's Redis. */
  readonly workflows?: boolean;
}

/** The local secret store (a JSON file only we can read) through which components get broker passwords, as `secretKeyRef`s. */
export const localSecretStore = "local-secrets";

/** Key of a region's broker password in the local secret store. */
export function brokerPasswordKey(region: string): string {
  return `redis-${region}-password`;
}

/** Namespace of every local app identity: daprd's default in self-hosted mode. */
const localNamespace = "default";

/** The Configuration file of one app's sidecar in a region's run directory. */
export function configFileOf(dir: string, app: AppId | WorkflowAppId): string {
  return join(dir, `config-${app}.yaml`);
}

/** Writes one region's Dapr resources (components, subscriptions) and its Configuration. */
export function writeRegionResources(opts: RegionResourceOptions): { resourcesDir: string } {
  const resourcesDir = join(opts.dir, "resources");
  mkdirSync(resourcesDir, { recursive: true });
  const docs: Doc[] = [];
  const workflowAppsHere = opts.workflows ? allWorkflowApps : [];
  const security = opts.security;
  // Every app that loads a Redis component resolves its password from the local secret store;
  // no app may read it through the secrets API (see the Configuration's secret scopes).
  const withPassword = (doc: Doc, region: string): Doc => {
    if (!security) return doc;
    const key = brokerPasswordKey(region);
    doc.spec.metadata = [...(doc.spec.metadata ?? []), { name: "redisPassword", secretKeyRef: { name: key, key } } as never];
    return { ...doc, auth: { secretStore: localSecretStore } };
  };
  if (security) {
    const secretsFile = join(opts.dir, "secrets.json");
    const secrets = Object.entries(security.redisPasswords).map(([region, password]) => [brokerPasswordKey(region), password]);
    writeFileSync(secretsFile, JSON.stringify(Object.fromEntries(secrets)), { mode: 0o600 });
    docs.push({
      apiVersion: "dapr.io/v1alpha1",
      kind: "Component",
      metadata: { name: localSecretStore },
      spec: { type: "secretstores.local.file", version: "v1", metadata: [{ name: "secretsFile", value: secretsFile }] },
      scopes: [...allApps.filter((a) => Object.values(componentScopes).some((scoped) => scoped.includes(a))), ...workflowAppsHere],
    });
  }

  const pubsub = withPassword(
    renderTemplate("pubsub.redis.yaml", { name: components.pubsub, redisHost: opts.redisAddress, ...pubsubTuning.events }),
    opts.region,
  );
  // Each app may publish only the topics it owns and read only those it subscribes to.
  pubsub.spec.metadata = [...(pubsub.spec.metadata ?? []), ...topicScopes(components.pubsub)];
  docs.push(withScopes(pubsub, components.pubsub));
  // The outbox topic is internal to daprd and named from the app-id; the component scope confines it.
  docs.push(
    withScopes(
      withPassword(
        renderTemplate("pubsub.redis.yaml", { name: components.outboxPubsub, redisHost: opts.redisAddress, ...pubsubTuning.outbox }),
        opts.region,
      ),
      components.outboxPubsub,
    ),
  );
  for (const store of stores) {
    const profile = opts.stateStore ?? { kind: "redis" };
    const doc =
      profile.kind === "redis"
        ? withPassword(renderTemplate("state.redis.yaml", { name: store.name, redisHost: opts.redisAddress }), opts.region)
        : renderTemplate("state.postgresql.yaml", {
            name: store.name,
            connectionString: profile.connectionString,
            table: store.name.replace(/-/g, "_"),
          });
    if (store.outboxTopic) {
      doc.spec.metadata = [
        ...(doc.spec.metadata ?? []),
        { name: "outboxPublishPubsub", value: components.pubsub },
        { name: "outboxPublishTopic", value: relayTopicOf(store.outboxTopic) },
        { name: "outboxPubsub", value: components.outboxPubsub },
      ];
    }
    docs.push(withScopes(doc, store.name));
  }
  for (const peer of opts.peers) {
    // The cross-region link: the peer's broker, read with this region's own durable consumer group.
    const link = withPassword(
      renderTemplate("pubsub.redis.yaml", { name: peerLinkName(peer.name), redisHost: peer.redisAddress, ...pubsubTuning.events }),
      peer.name,
    );
    link.spec.metadata = [
      ...(link.spec.metadata ?? []),
      { name: "consumerID", value: peerConsumerGroup(opts.region) },
      // See initTimeout below: the client's own dial and read timeouts (5 s, 3 s) end the first PING sooner.
      { name: "dialTimeout", value: "15s" },
      { name: "readTimeout", value: "15s" },
    ];
    // Without the peer's broker at start-up (it may be the region that is down) daprd must still
    // start. A link that fails at start stays down for the sidecar's life, so it gets longer than
    // the 5 s default to connect: on a loaded machine the relay (in the runner's process) stalled
    // for seconds while regions started (event-loop stalls of 3 s measured at load average 12).
    docs.push({ ...link, spec: { ...link.spec, ignoreErrors: true, initTimeout: peerLinkInitTimeout }, scopes: [apps.replicator] });
  }
  for (const sub of [...subscriptions, ...opts.peers.map((p) => replicationSubscription(p.name))]) {
    docs.push({
      apiVersion: "dapr.io/v2alpha1",
      kind: "Subscription",
      metadata: { name: sub.name },
      spec: subscriptionResourceSpec(sub),
      scopes: [sub.app],
    });
  }
  if (opts.workflows) {
    // Workflow state stays on the region's Redis whatever the stores' profile.
    docs.push({ ...withPassword(actorStateStore(workflowStateStore, opts.redisAddress), opts.region), scopes: [...allWorkflowApps] });
  }
  docs.push(resiliency());
  // One file per resource: daprd reads only the first document of a Resiliency file.
  for (const d of docs) {
    const meta = d["metadata"] as { name: string };
    writeFileSync(join(resourcesDir, `${String(d["kind"]).toLowerCase()}-${meta.name}.yaml`), stringify(d));
  }

  for (const app of [...allApps, ...workflowAppsHere]) {
    const config = renderTemplate("configuration.yaml", { name: `${app}-dapr`, nameResolutionDb: opts.nameResolutionDb });
    config.spec["api"] = { allowed: [...allowedApis] };
    if (security) {
      // Enforced by this app's sidecar against each caller's mTLS identity.
      config.spec["accessControl"] = accessControlOf(app, localNamespace);
      config.spec["secrets"] = { scopes: [{ storeName: localSecretStore, defaultAccess: "deny" }] };
    }
    if (opts.otlpEndpoint) {
      config.spec["tracing"] = {
        samplingRate: opts.samplingRate ?? "1",
        otel: { endpointAddress: opts.otlpEndpoint, protocol: "http", isSecure: false },
      };
    }
    writeFileSync(configFileOf(opts.dir, app), stringify(config));
  }
  return { resourcesDir };
}
