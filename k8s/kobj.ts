import { ApiObject, type ApiObjectProps } from "cdk8s";
import type { Construct } from "constructs";

/** A typed model from `kubernetes-models` (pinned Kubernetes OpenAPI): it can render and validate itself. */
interface Model {
  toJSON(): unknown;
  validate(): void;
}

/**
 * Adds a `kubernetes-models` object to a chart. The model types the object at compile time; it is
 * validated against the Kubernetes schema in the tests (test/k8s), not here, so synth stays fast.
 */
export function addModel(scope: Construct, id: string, model: Model): ApiObject {
  return new ApiObject(scope, id, model.toJSON() as ApiObjectProps);
}
