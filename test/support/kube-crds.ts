/**
 * CRD YAML the manifests need besides Dapr's (k8s/crds): the prometheus-operator's PodMonitor and
 * PrometheusRule, and Gateway API's HTTPRoute. Both projects ship their CRDs inside their Go
 * modules, so they come from the Go module proxy (checked against the checksum database) at the
 * versions pinned in versions.json.
 */
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { projectRoot } from "../../platform/paths.js";
import { versions } from "../../platform/versions.js";
import { goBinary } from "../../scripts/daprd/go-build.js";

function moduleDir(module: string, version: string): string {
  const out = spawnSync(goBinary(), ["mod", "download", "-json", `${module}@v${version}`], {
    encoding: "utf8",
    env: { ...process.env, GOFLAGS: "", GOTOOLCHAIN: "local" },
  });
  const info = JSON.parse(out.stdout || "{}") as { Dir?: string; Error?: string };
  if (!info.Dir) throw new Error(`go mod download ${module}@v${version}: ${info.Error ?? out.stderr}`);
  return info.Dir;
}

export function daprCrdFiles(): string[] {
  const dir = join(projectRoot, "k8s", "crds", `dapr-${versions.dapr.version}`);
  return readdirSync(dir)
    .filter((f) => f.endsWith(".yaml"))
    .map((f) => join(dir, f));
}

export function monitoringCrdFiles(): string[] {
  const dir = join(
    moduleDir("github.com/prometheus-operator/prometheus-operator", versions.kubernetes.prometheusOperatorCrds),
    "example",
    "prometheus-operator-crd",
  );
  return ["podmonitors", "prometheusrules"].map((kind) => join(dir, `monitoring.coreos.com_${kind}.yaml`));
}

export function httpRouteCrdFile(): string {
  return join(
    moduleDir("sigs.k8s.io/gateway-api", versions.kubernetes.gatewayApiCrds),
    "config",
    "crd",
    "standard",
    "gateway.networking.k8s.io_httproutes.yaml",
  );
}
