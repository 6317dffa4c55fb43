import pinned from "../versions.json" with { type: "json" };

/**
 * Pinned runtime versions. `versions.json` is the single source: the local runner, the daprd
 * builder, the tests and the Kubernetes manifests all read it through this module.
 */
export const versions = pinned;
export const daprVersion: string = pinned.dapr.version;
