import type { Construct } from "constructs";
import { ValidatingAdmissionPolicy } from "kubernetes-models/admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy";
import { ValidatingAdmissionPolicyBinding } from "kubernetes-models/admissionregistration.k8s.io/v1/ValidatingAdmissionPolicyBinding";
import { addModel } from "../kobj.js";
import { partOf, secrets } from "../names.js";

/** A Secret the region's objects refer to, and the keys they read from it. */
export interface RequiredSecret {
  readonly name: string;
  readonly keys: readonly string[];
}

/** Sidecar annotations that name a Secret; Dapr reads its key `token`. */
const tokenAnnotations = ["dapr.io/api-token-secret", "dapr.io/app-token-secret"];

/**
 * Every Secret the objects refer to, found in the objects themselves (each `secretKeyRef`, in
 * Dapr component metadata and container env alike, and Dapr's token annotations), so the list
 * cannot drift from the manifests.
 */
export function requiredSecrets(objects: readonly unknown[]): RequiredSecret[] {
  const found = new Map<string, Set<string>>();
  const add = (name: string, key: string): void => void (found.get(name) ?? found.set(name, new Set()).get(name))?.add(key);
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(walk);
    if (!value || typeof value !== "object") return;
    const record = value as Record<string, unknown>;
    const ref = record["secretKeyRef"] as { name?: unknown; key?: unknown } | undefined;
    if (ref && typeof ref.name === "string" && typeof ref.key === "string") add(ref.name, ref.key);
    const annotations = record["annotations"];
    if (annotations && typeof annotations === "object") {
      for (const a of tokenAnnotations) {
        const name = (annotations as Record<string, unknown>)[a];
        if (typeof name === "string") add(name, secrets.tokenKey);
      }
    }
    Object.values(record).forEach(walk);
  };
  walk(objects);
  return [...found.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([name, keys]) => ({ name, keys: [...keys].sort() }));
}

/**
 * Makes a missing Secret fail at `kubectl apply` instead of as pods stuck in
 * CreateContainerConfigError: one ValidatingAdmissionPolicy per Secret, whose parameter is that
 * Secret, refuses Deployments in the namespace while it is absent (`parameterNotFoundAction:
 * Deny`) or lacks a key. The policies must be in place before the Deployments are applied (the
 * API server loads them within a second or so), hence their place in the first file.
 */
export function addSecretChecks(scope: Construct, namespace: string, required: readonly RequiredSecret[]): void {
  for (const secret of required) {
    // Cluster-scoped names: the namespace keeps two installations in one cluster apart.
    const name = `${partOf}-${namespace}-requires-secret-${secret.name}`;
    const keys = secret.keys.map((k) => `'${k}' in params.data`).join(" && ");
    addModel(
      scope,
      `${name}-policy`,
      new ValidatingAdmissionPolicy({
        metadata: { name, labels: { "app.kubernetes.io/part-of": partOf } },
        spec: {
          failurePolicy: "Fail",
          paramKind: { apiVersion: "v1", kind: "Secret" },
          matchConstraints: {
            resourceRules: [{ apiGroups: ["apps"], apiVersions: ["v1"], operations: ["CREATE", "UPDATE"], resources: ["deployments"] }],
          },
          validations: [
            {
              expression: `has(params.data) && ${keys}`,
              message: `Secret ${namespace}/${secret.name} must have the keys ${secret.keys.join(", ")} (see k8s/README.md)`,
            },
          ],
        },
      }),
    );
    addModel(
      scope,
      `${name}-binding`,
      new ValidatingAdmissionPolicyBinding({
        metadata: { name, labels: { "app.kubernetes.io/part-of": partOf } },
        spec: {
          policyName: name,
          validationActions: ["Deny"],
          paramRef: { name: secret.name, namespace, parameterNotFoundAction: "Deny" },
          matchResources: { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": namespace } } },
        },
      }),
    );
  }
}
