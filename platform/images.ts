/**
 * The apps' container image (the Dockerfile at the root): one image for all apps, whose command
 * names the app. The manifests (k8s/) and the image builder (scripts/images) both read this.
 */
import type { AppId, WorkflowAppId } from "./topology.js";

export const appImageName = "meridian";

/** WORKDIR of the Dockerfile's final stage: compiled JavaScript under dist/, node_modules beside it. */
export const appImageWorkdir = "/app";

/** The Dockerfile's USER: numeric, so the kubelet can check `runAsNonRoot`. */
export const appImageUser = 10001;

export interface ImageSettings {
  readonly registry: string;
  readonly tag: string;
  /** `sha256:…` of a pushed image: the reference then names exactly those bytes. */
  readonly digest?: string | undefined;
}

/** `<registry>/meridian:<tag>`, with `@<digest>` appended when pinned. */
export function appImageRef(images: ImageSettings): string {
  const named = `${images.registry}/${appImageName}:${images.tag}`;
  return images.digest ? `${named}@${images.digest}` : named;
}

/** The container's command and arguments for one app (the image's ENTRYPOINT is `node`). */
export function appCommand(app: AppId | WorkflowAppId): { command: string[]; args: string[] } {
  return { command: ["node"], args: [`dist/services/${app}/main.js`] };
}

/** Loaded through NODE_OPTIONS before the app so HTTP and Express are instrumented (OpenTelemetry). */
export const instrumentationModule = `${appImageWorkdir}/dist/services/shared/instrumentation.js`;
