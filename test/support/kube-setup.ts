import type { TestProject } from "vitest/node";
import { type KubeBinaries, ensureKubeBinaries } from "../../scripts/kube/ensure-kube.js";

declare module "vitest" {
  export interface ProvidedContext {
    kube: KubeBinaries;
  }
}

/** Kubernetes tests run real kube-apiserver, kubectl and kine: build them once (cached), before any test. */
export default async function setup(project: TestProject): Promise<void> {
  project.provide("kube", await ensureKubeBinaries());
}
