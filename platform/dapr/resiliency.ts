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
import { components, deliveryRetry, invocations } from "../topology.js";

export const resiliencyName = "meridian";

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
  readonly spec: {
    readonly policies: { readonly timeouts: Readonly<Record<string, string>>; readonly retries: Readonly<Record<string, RetryPolicy>> };
    readonly targets: {
      readonly apps: Readonly<Record<string, { readonly timeout: string; readonly retry: string }>>;
      readonly components: Readonly<Record<string, { readonly inbound: { readonly timeout: string; readonly retry: string } }>>;
    };
  };
}

export function resiliency(): ResiliencyDoc {
  const invoked = [...new Set(invocations.map((i) => i.to))];
  return {
    apiVersion: "dapr.io/v1alpha1",
    kind: "Resiliency",
    metadata: { name: resiliencyName },
    spec: {
      policies: {
        timeouts: { invoke: "5s", delivery: "15s" },
        retries: {
          // A delivery the app fails (or cannot be reached for) is retried with exponential backoff
          // for about 30 s, then dead-lettered to the subscriber's own dead-letter topic, from which
          // order-view redrives it. Its whole budget stays below the broker's in-hand timeout
          // (pubsubTuning), or a message still being retried would be handed out again.
          delivery: { policy: "exponential", maxInterval: `${deliveryRetry.maxIntervalMs}ms`, maxRetries: deliveryRetry.maxRetries },
          // Every invoked endpoint is idempotent (ids are chosen by the caller), so retrying is safe.
          // Only server errors are retried: a 4xx is the app's answer, and asking again changes nothing.
          invoke: { policy: "exponential", maxInterval: "1s", maxRetries: 2, matching: { httpStatusCodes: "500-599" } },
        },
      },
      targets: {
        apps: Object.fromEntries(invoked.map((app) => [app, { timeout: "invoke", retry: "invoke" }])),
        components: { [components.pubsub]: { inbound: { timeout: "delivery", retry: "delivery" } } },
      },
    },
  };
}
