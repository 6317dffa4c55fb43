/**
 * The Resiliency policy every sidecar runs with, locally and in the clusters (which add outbound
 * policies for brokers and stores across a network: k8s/dapr/resiliency.ts).
 *
 * No circuit breaker on invoked apps: Dapr counts every non-2xx answer as a breaker failure, 4xx
 * included (pkg/resiliency/policy.go runs the breaker around the call, before any status
 * matching), so ten lookups of unknown orders (404) or replicas waiting for their predecessor
 * (409) would cut a caller off the app for the breaker's timeout. A dead app is covered by the
 * invoke timeout and the invoke retries.
 */
import { allWorkflowApps, components, deliveryRetry, invocations, isWorkflowApp, orderSaga } from "../topology.js";

export const resiliencyName = "meridian";
export const workflowResiliencyName = "meridian-workflows";

export interface RetryPolicy {
  readonly policy: "exponential" | "constant";
  readonly maxInterval: string;
  readonly maxRetries: number;
  readonly matching?: { readonly httpStatusCodes: string };
}

export interface ResiliencyDoc {
  readonly apiVersion: "dapr.io/v1alpha1";
  readonly kind: "Resiliency";
  readonly metadata: { readonly name: string };
  /** The app-ids whose sidecars load it (none: every sidecar). */
  readonly scopes?: readonly string[];
  readonly spec: {
    readonly policies: { readonly timeouts: Readonly<Record<string, string>>; readonly retries: Readonly<Record<string, RetryPolicy>> };
    readonly targets: {
      readonly apps: Readonly<Record<string, { readonly timeout: string; readonly retry?: string }>>;
      readonly components?: Readonly<Record<string, { readonly inbound: { readonly timeout: string; readonly retry: string } }>>;
    };
  };
}

/**
 * A delivery the app fails (or cannot be reached for) is retried with exponential backoff for
 * about 30 s, then dead-lettered to the subscriber's own dead-letter topic, from which order-view
 * redrives it. Its whole budget stays below the broker's in-hand timeout (pubsubTuning), or a
 * message still being retried would be handed out again. The same for every subscriber.
 */
const delivery = {
  timeout: "15s",
  retry: { policy: "exponential", maxInterval: `${deliveryRetry.maxIntervalMs}ms`, maxRetries: deliveryRetry.maxRetries },
} as const satisfies { timeout: string; retry: RetryPolicy };
const deliveryTarget = { [components.pubsub]: { inbound: { timeout: "delivery", retry: "delivery" } } };

/**
 * The services' policy. `scopes`: the app-ids it applies to; the workflow apps have their own
 * (workflowResiliency), so wherever one runs the general one is scoped to the others.
 */
export function resiliency(scopes?: readonly string[]): ResiliencyDoc {
  const invoked = [...new Set(invocations.map((i) => i.to))];
  return {
    apiVersion: "dapr.io/v1alpha1",
    kind: "Resiliency",
    metadata: { name: resiliencyName },
    ...(scopes ? { scopes } : {}),
    spec: {
      policies: {
        timeouts: { invoke: "5s", delivery: delivery.timeout },
        retries: {
          delivery: delivery.retry,
          // Every invoked endpoint is idempotent (ids are chosen by the caller), so retrying is safe.
          // Only server errors are retried: a 4xx is the app's answer, and asking again changes nothing.
          invoke: { policy: "exponential", maxInterval: "1s", maxRetries: 2, matching: { httpStatusCodes: "500-599" } },
        },
      },
      targets: {
        apps: Object.fromEntries(invoked.map((app) => [app, { timeout: "invoke", retry: "invoke" }])),
        components: deliveryTarget,
      },
    },
  };
}

/**
 * The workflow apps' policy: their calls are activities' commands, which the activity itself
 * retries with backoff. A sidecar retry under that would multiply every call a busy service
 * already holds (3 × per attempt, seen as thousands of repeated commands at full load), so the
 * sidecar only bounds each call, generously; bounding how many run at once is the Configuration's
 * job (orderSaga.concurrency). Deliveries of its subscription are retried as everyone's.
 */
export function workflowResiliency(): ResiliencyDoc {
  const called = [...new Set(invocations.filter((i) => isWorkflowApp(i.from)).map((i) => i.to))];
  return {
    apiVersion: "dapr.io/v1alpha1",
    kind: "Resiliency",
    metadata: { name: workflowResiliencyName },
    scopes: allWorkflowApps,
    spec: {
      policies: { timeouts: { command: orderSaga.commandTimeout, delivery: delivery.timeout }, retries: { delivery: delivery.retry } },
      targets: { apps: Object.fromEntries(called.map((app) => [app, { timeout: "command" }])), components: deliveryTarget },
    },
  };
}
