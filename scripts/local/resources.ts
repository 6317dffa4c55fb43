/**
 * Writes one local region's Dapr resources (components, subscriptions, the Resiliency policy)
 * and each app's Configuration, from the builders in platform/dapr/ that the manifests use too.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { type ConfigurationDoc, configurationDoc } from "../../platform/dapr/configuration.js";
import type { BrokerConnection } from "../../platform/dapr/pubsub.js";
import type { LockConnection } from "../../platform/dapr/lock.js";
import { regionComponents } from "../../platform/dapr/region.js";
import { type ComponentDoc, componentDoc } from "../../platform/dapr/resource.js";
import { resiliency, workflowResiliency } from "../../platform/dapr/resiliency.js";
import type { StoreConnection } from "../../platform/dapr/state.js";
import { subscriptionDoc } from "../../platform/dapr/subscriptions.js";
import {
  type AppId,
  type WorkflowAppId,
  allApps,
  allWorkflowApps,
  componentScopes,
  regionSubscriptions,
  replicationSubscription,
} from "../../platform/topology.js";

export interface RegionResourceOptions {
  readonly dir: string;
  readonly nameResolutionDb: string;
  /** OTLP/HTTP endpoint (host:port) for the sidecars' traces; none when undefined. */
  readonly otlpEndpoint?: string | undefined;
  readonly samplingRate?: string;
  /** This region's name; its consumer group on peer brokers is named after it. */
  readonly region: string;
  readonly broker: BrokerConnection;
  readonly store: StoreConnection;
  /** The Redis the leases live in (see platform/dapr/lock.ts). */
  readonly lock?: LockConnection;
  /** Every other region and its broker as reached from here. */
  readonly peers: readonly { readonly name: string; readonly broker: BrokerConnection }[];
  /**
   * The values behind the connections' secret references (broker and store credentials, this
   * region's and each peer's), and access control, which needs the sidecars to run with mTLS.
   * Absent only for components/ (`npm run components:generate`), made for the Dapr CLI: `dapr
   * init` starts neither a Sentry nor a broker with a password.
   */
  readonly security?: { readonly secrets: Readonly<Record<string, string>> };
  /** The region runs the workflow apps: their Configurations and the actor state store (on the region's store). */
  readonly workflows?: boolean;
}

/** The local secret store (a JSON file only we can read) through which components get credentials, as `secretKeyRef`s. */
export const localSecretStore = "local-secrets";

/** Namespace of every local app identity: daprd's default in self-hosted mode (it also names the outbox's internal topics). */
export const localNamespace = "default";

/** The Configuration file of one app's sidecar in a region's run directory. */
export function configFileOf(dir: string, app: AppId | WorkflowAppId): string {
  return join(dir, `config-${app}.yaml`);
}

export interface RegionResources {
  readonly resources: readonly { readonly kind: string; readonly metadata: { readonly name: string } }[];
  readonly configurations: Readonly<Record<AppId, ConfigurationDoc> & Partial<Record<WorkflowAppId, ConfigurationDoc>>>;
}

/** One region's resources and Configurations, as documents. */
export function regionResources(opts: RegionResourceOptions): RegionResources {
  const secretStore = opts.security ? localSecretStore : undefined;
  const workflowAppsHere = opts.workflows ? allWorkflowApps : [];
  const secretStoreDoc: ComponentDoc[] = opts.security
    ? [
        {
          ...componentDoc(localSecretStore, {
            type: "secretstores.local.file",
            version: "v1",
            metadata: [{ name: "secretsFile", value: join(opts.dir, "secrets.json") }],
          }),
          // Every app that loads a component with a secret reference; no app may read it through
          // the secrets API (see the Configuration's secret scopes).
          scopes: [...allApps.filter((a) => Object.values(componentScopes).some((scoped) => scoped.includes(a))), ...workflowAppsHere],
        },
      ]
    : [];
  const resources = [
    ...secretStoreDoc,
    ...regionComponents({
      region: opts.region,
      broker: opts.broker,
      store: opts.store,
      lock: opts.lock,
      peers: opts.peers,
      secretStore,
      workflows: opts.workflows ?? false,
    }),
    ...[...regionSubscriptions(opts.workflows ?? false), ...opts.peers.map((p) => replicationSubscription(p.name))].map((sub) =>
      subscriptionDoc(sub, opts.broker.profile),
    ),
    // The workflow apps have a policy of their own (see workflowResiliency): the general one is scoped away from them.
    ...(opts.workflows ? [resiliency(allApps), workflowResiliency()] : [resiliency()]),
  ];
  const configurations = Object.fromEntries(
    [...allApps, ...workflowAppsHere].map((app) => [
      app,
      configurationDoc({
        name: `${app}-dapr`,
        app,
        nameResolutionDb: opts.nameResolutionDb,
        ...(opts.security
          ? {
              accessControlNamespace: localNamespace,
              accessControlCallers: [...allApps, ...workflowAppsHere],
              secretStore: localSecretStore,
            }
          : {}),
        ...(opts.otlpEndpoint
          ? { tracing: { samplingRate: opts.samplingRate ?? "1", endpointAddress: opts.otlpEndpoint, protocol: "http" as const } }
          : {}),
      }),
    ]),
  ) as Record<AppId, ConfigurationDoc>;
  return { resources, configurations };
}

/** The file a resource is written to: one per resource, as daprd reads only the first document of a Resiliency file. */
export function resourceFileName(doc: { readonly kind: string; readonly metadata: { readonly name: string } }): string {
  return `${doc.kind.toLowerCase()}-${doc.metadata.name}.yaml`;
}

/** Writes one region's Dapr resources (components, subscriptions) and its Configurations. */
export function writeRegionResources(opts: RegionResourceOptions): { resourcesDir: string } {
  const resourcesDir = join(opts.dir, "resources");
  mkdirSync(resourcesDir, { recursive: true });
  if (opts.security) writeFileSync(join(opts.dir, "secrets.json"), JSON.stringify(opts.security.secrets), { mode: 0o600 });
  const { resources, configurations } = regionResources(opts);
  for (const d of resources) writeFileSync(join(resourcesDir, resourceFileName(d)), stringify(d));
  for (const [app, configuration] of Object.entries(configurations)) {
    writeFileSync(configFileOf(opts.dir, app as AppId | WorkflowAppId), stringify(configuration));
  }
  return { resourcesDir };
}
