import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv, type ValidateFunction } from "ajv";
import { parseAllDocuments } from "yaml";
import { projectRoot } from "../../platform/paths.js";
import { daprVersion } from "../../platform/versions.js";
import type { Manifest } from "./synth.js";

type Schema = Record<string, unknown>;

/**
 * Kubernetes prunes (or, with strict field validation, rejects) fields a structural CRD schema
 * does not declare. JSON Schema allows them, so close every declared object the way the API
 * server would, unless the schema says to keep unknown fields.
 */
export function closeObjects(schema: Schema): Schema {
  const out: Schema = { ...schema };
  const props = schema["properties"] as Record<string, Schema> | undefined;
  if (props) {
    out["properties"] = Object.fromEntries(Object.entries(props).map(([k, v]) => [k, closeObjects(v)]));
    if (schema["additionalProperties"] === undefined && !schema["x-kubernetes-preserve-unknown-fields"])
      out["additionalProperties"] = false;
  }
  if (schema["items"]) out["items"] = closeObjects(schema["items"] as Schema);
  if (typeof schema["additionalProperties"] === "object")
    out["additionalProperties"] = closeObjects(schema["additionalProperties"] as Schema);
  return out;
}

/** The Dapr CRDs copied from the pinned release: `apiVersion/kind` -> validator of its openAPIV3Schema. */
export function daprValidators(): Map<string, ValidateFunction> {
  // x-kubernetes-* keywords and Kubernetes formats (int32, ...) are not JSON Schema vocabulary.
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  const dir = join(projectRoot, "k8s", "crds", `dapr-${daprVersion}`);
  const validators = new Map<string, ValidateFunction>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".yaml"))) {
    for (const doc of parseAllDocuments(readFileSync(join(dir, file), "utf8"))) {
      const crd = doc.toJS() as {
        spec: { group: string; names: { kind: string }; versions: { name: string; schema: { openAPIV3Schema: Schema } }[] };
      } | null;
      if (!crd) continue;
      for (const v of crd.spec.versions) {
        validators.set(`${crd.spec.group}/${v.name}/${crd.spec.names.kind}`, ajv.compile(closeObjects(v.schema.openAPIV3Schema)));
      }
    }
  }
  return validators;
}

interface Model {
  validate(): void;
}
type ModelClass = new (data: unknown) => Model;

/**
 * The `kubernetes-models` class for a built-in or prometheus-operator kind; its `validate()`
 * checks the object against the pinned Kubernetes (or operator) OpenAPI schema.
 */
export async function modelClass(m: Manifest): Promise<ModelClass> {
  const [group, version] = m.apiVersion.includes("/") ? m.apiVersion.split("/") : ["", m.apiVersion];
  const path =
    group === "monitoring.coreos.com"
      ? `@kubernetes-models/prometheus-operator/${group}/${version}/${m.kind}`
      : `kubernetes-models/${group ? `${group}/` : ""}${version}/${m.kind}`;
  const mod = (await import(path)) as Record<string, ModelClass>;
  const cls = mod[m.kind];
  if (!cls) throw new Error(`no model for ${m.apiVersion} ${m.kind}`);
  return cls;
}
