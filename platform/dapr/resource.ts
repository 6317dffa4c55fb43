/**
 * The shapes of the Dapr resources this project writes (dapr.io/v1alpha1 Component, Resiliency,
 * Configuration; v2alpha1 Subscription) and the helpers every builder shares. The local runner
 * (scripts/local), the manifests (k8s/) and the generated components/ folder all build from
 * here, so a resource is described once.
 */

/** A Kubernetes-style secret reference: resolved by the component's secret store, never written out. */
export interface SecretRef {
  readonly name: string;
  readonly key: string;
}

export type MetadataItem = { readonly name: string; readonly value: string } | { readonly name: string; readonly secretKeyRef: SecretRef };

/** A value written in the YAML, or one the sidecar reads from its secret store. */
export type Secret = string | SecretRef;

export function metadataItem(name: string, value: Secret): MetadataItem {
  return typeof value === "string" ? { name, value } : { name, secretKeyRef: value };
}

export interface ComponentSpec {
  readonly type: string;
  readonly version: string;
  readonly metadata: readonly MetadataItem[];
  /** A component that fails to initialise does not stop its sidecar (peer links: the peer may be down). */
  readonly ignoreErrors?: boolean;
  readonly initTimeout?: string;
}

export interface ComponentDoc {
  readonly apiVersion: "dapr.io/v1alpha1";
  readonly kind: "Component";
  readonly metadata: { readonly name: string; readonly labels?: Readonly<Record<string, string>> };
  readonly spec: ComponentSpec;
  /** The secret store the `secretKeyRef`s are resolved from (Kubernetes' own when absent there). */
  readonly auth?: { readonly secretStore: string };
  /** The app-ids that may load the component; every app when absent. */
  readonly scopes?: readonly string[];
}

export function componentDoc(name: string, spec: ComponentSpec): ComponentDoc {
  return { apiVersion: "dapr.io/v1alpha1", kind: "Component", metadata: { name }, spec };
}

/** Appends metadata entries to a component. */
export function withMetadata(doc: ComponentDoc, extra: readonly MetadataItem[]): ComponentDoc {
  return { ...doc, spec: { ...doc.spec, metadata: [...doc.spec.metadata, ...extra] } };
}

export function withScopes(doc: ComponentDoc, scopes: readonly string[]): ComponentDoc {
  return { ...doc, scopes: [...scopes] };
}

/** The secret store a component's `secretKeyRef`s are read from, when it uses any. */
export function withSecretStore(doc: ComponentDoc, secretStore: string | undefined): ComponentDoc {
  const usesSecrets = doc.spec.metadata.some((m) => "secretKeyRef" in m);
  return secretStore && usesSecrets ? { ...doc, auth: { secretStore } } : doc;
}

/** `host:port` of an address. */
export interface HostPort {
  readonly host: string;
  readonly port: number;
}

export const hostPort = (a: HostPort): string => `${a.host}:${a.port}`;
