/**
 * Who may do what, derived from platform/topology.ts: the access-control policy of each app's
 * sidecar (who may invoke it, and which routes) and the topic scopes of the business pub/sub
 * (what each app may publish and subscribe to). The local runner and the Kubernetes manifests
 * render the same policies from here.
 */
import {
  type AppId,
  type SubscriberAppId,
  type WorkflowAppId,
  allApps,
  allWorkflowApps,
  invocations,
  regionComponentScopes,
  regionSubscriptions,
  relayTopicOf,
  replicaTopicFor,
  stores,
  subscriptions,
} from "./topology.js";

/**
 * The Dapr APIs the apps call (all over HTTP: state, publish, invoke, the distributed lock, plus
 * the health and metadata endpoints the readiness checks use). The gRPC rules lock the gRPC API to the same
 * set: without gRPC rules daprd would leave every gRPC API open. Secrets, configuration, actors,
 * workflows, bindings and the rest are refused.
 */
export const allowedApis: readonly { name: string; version: string; protocol: "http" | "grpc" }[] = [
  ...["state", "publish", "invoke", "healthz", "metadata"].map((name) => ({ name, version: "v1.0", protocol: "http" as const })),
  ...["state", "publish", "invoke"].map((name) => ({ name, version: "v1", protocol: "grpc" as const })),
  // The distributed lock (alpha): the leases of replicated writers (services/shared/application/lease.ts).
  ...["lock", "unlock"].map((name) => ({ name, version: "v1alpha1", protocol: "http" as const })),
];

export function calleesOf(app: AppId | WorkflowAppId): (AppId | WorkflowAppId)[] {
  return [...new Set(invocations.filter((i) => i.from === app).map((i) => i.to))];
}

export function callersOf(app: AppId | WorkflowAppId): (AppId | WorkflowAppId)[] {
  return [...new Set(invocations.filter((i) => i.to === app).map((i) => i.from))];
}

/** The trust domain Dapr gives apps' identities (spiffe://public/ns/<namespace>/<app-id>). */
export const appTrustDomain = "public";

/**
 * The `spec.accessControl` of an app's Dapr Configuration: deny by default; each caller in the
 * topology may call only its listed routes. Enforced by the callee's sidecar against the caller's
 * mTLS identity, so it needs mTLS (Sentry) wherever it is used.
 */
export function accessControlOf(app: AppId | WorkflowAppId, namespace: string, callers?: readonly string[]) {
  return {
    defaultAction: "deny",
    trustDomain: appTrustDomain,
    policies: [...new Set(invocations.filter((i) => i.to === app).map((i) => i.from))]
      // Only callers that run where this is deployed (the workflow app is not everywhere yet).
      .filter((from) => !callers || callers.includes(from))
      .map((from) => ({
        appId: from,
        defaultAction: "deny",
        namespace,
        trustDomain: appTrustDomain,
        // One policy per caller: its entries' routes, each with the verbs its entry allows.
        operations: invocations
          .filter((i) => i.to === app && i.from === from)
          .flatMap((i) =>
            i.routes
              .flatMap((route) => [`/${route}`, `/${route}/**`])
              .map((name) => ({ name, httpVerb: [...(i.verbs ?? ["*"])], action: "allow" })),
          ),
      })),
  };
}

/**
 * Topics the app publishes: the outbox topic of each store it owns, its relay topic and, for a
 * replicated topic, its replica topic; and the dead-letter topic of each of its subscriptions (its
 * sidecar dead-letters there, and the app publishes faults there).
 */
export function topicsPublishedBy(app: SubscriberAppId): string[] {
  const outbox = stores.flatMap((s) => {
    if (s.owner !== app || !s.outboxTopic) return [];
    const replicas = replicaTopicFor(s.outboxTopic);
    return [s.outboxTopic, relayTopicOf(s.outboxTopic), ...(replicas ? [replicas] : [])];
  });
  const deadLetters = subscriptions.filter((s) => s.app === app).flatMap((s) => (s.deadLetterTopic ? [s.deadLetterTopic] : []));
  return [...new Set([...outbox, ...deadLetters])];
}

/**
 * Topic scoping metadata for a pub/sub component: each app it is scoped to may publish only what
 * topicsPublishedBy says and subscribe only to its subscriptions. An app listed with nothing gets nothing.
 */
export function topicScopes(pubsub: string, workflows = false): { name: string; value: string }[] {
  const scoped = regionComponentScopes(workflows)[pubsub];
  if (!scoped) throw new Error(`no scopes declared for component ${pubsub} in platform/topology.ts`);
  const entry = (app: string, topics: string[]): string => `${app}=${topics.join(",")}`;
  const subscribed = (app: string): string[] =>
    regionSubscriptions(workflows)
      .filter((s) => s.app === app && s.pubsub === pubsub)
      .map((s) => s.topic);
  const scopedApps = [...allApps, ...allWorkflowApps].filter((a) => scoped.includes(a));
  return [
    { name: "publishingScopes", value: scopedApps.map((a) => entry(a, topicsPublishedBy(a))).join(";") },
    { name: "subscriptionScopes", value: scopedApps.map((a) => entry(a, subscribed(a))).join(";") },
  ];
}
