/**
 * Dapr resources both the local runner (scripts/local) and the manifests (k8s/) render: the
 * component templates in components/ and the Resiliency policy. Here, below both, so neither
 * imports the other.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { projectRoot } from "./paths.js";
import { components, deliveryRetry, invocations } from "./topology.js";

export type Doc = Record<string, unknown> & { spec: Record<string, unknown> & { metadata?: { name: string; value: string }[] } };

/** Fills `{{name}}` placeholders in a template from components/; a missing value is an error. */
export function renderTemplate(template: string, vars: Readonly<Record<string, string>>): Doc {
  const text = readFileSync(join(projectRoot, "components", template), "utf8").replace(/\{\{(\w+)\}\}/g, (_m, key: string) => {
    const value = vars[key];
    if (value === undefined) throw new Error(`components/${template}: no value for {{${key}}}`);
    return value;
  });
  return parse(text) as Doc;
}

/** The Resiliency resource: policies from the template, targets from topology. */
export function resiliency(): Doc {
  const doc = renderTemplate("resiliency.yaml", { name: "meridian" });
  const policies = doc.spec["policies"] as { retries: { delivery: Record<string, unknown> } };
  policies.retries.delivery = {
    ...policies.retries.delivery,
    maxInterval: `${deliveryRetry.maxIntervalMs}ms`,
    maxRetries: deliveryRetry.maxRetries,
  };
  const invoked = [...new Set(invocations.map((i) => i.to))];
  doc.spec["targets"] = {
    apps: Object.fromEntries(invoked.map((app) => [app, { timeout: "invoke", retry: "invoke" }])),
    components: { [components.pubsub]: { inbound: { timeout: "delivery", retry: "delivery" } } },
  };
  return doc;
}

/**
 * The state store Dapr keeps actor and workflow state in: a Redis state store marked
 * `actorStateStore` (an app may load only one such store). Scopes are the caller's.
 */
export function actorStateStore(name: string, redisHost: string): Doc {
  const doc = renderTemplate("state.redis.yaml", { name, redisHost });
  doc.spec.metadata = [...(doc.spec.metadata ?? []), { name: "actorStateStore", value: "true" }];
  return doc;
}
