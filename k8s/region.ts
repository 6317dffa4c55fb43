import { join } from "node:path";
import { App, Chart } from "cdk8s";
import { Namespace } from "kubernetes-models/v1/Namespace";
import { projectRoot } from "../platform/paths.js";
import type { RegionConfig } from "../platform/regions.js";
import { peerLinkName } from "../platform/topology.js";
import { appSpecs, appsOf } from "./apps.js";
import { addComponents } from "./dapr/components.js";
import { addConfigurations } from "./dapr/configuration.js";
import { addResiliency } from "./dapr/resiliency.js";
import { addSubscriptions } from "./dapr/subscriptions.js";
import { addModel } from "./kobj.js";
import { commonLabels, kubernetesVersion, partOf } from "./names.js";
import { addPublicRoute } from "./exposure/public-route.js";
import { addNetworkPolicies } from "./network/policies.js";
import { addSecretChecks, requiredSecrets } from "./secrets/required-secrets.js";
import { addCollector } from "./observability/collector.js";
import { addAlertRules, addDashboards, addPodMonitors } from "./observability/monitoring.js";
import { DaprApp } from "./workloads/dapr-app.js";

export const distRoot = join(projectRoot, "k8s", "dist");

/**
 * One cdk8s App per region (cluster), one file per chart. Every chart depends on the namespace
 * chart, which makes cdk8s number the files so `kubectl apply -f dir` creates the namespace first.
 */
export function regionApp(region: RegionConfig, all: readonly RegionConfig[], outdir = join(distRoot, region.name)): App {
  const app = new App({ outdir });
  const peers = all.filter((r) => region.peers.includes(r.name));
  const ns = region.namespace;

  // Every object gets the recommended labels; an app's own objects name the app instead of the system.
  const labels = (component: string) => ({ "app.kubernetes.io/name": partOf, ...commonLabels(region, component) });
  const namespace = new Chart(app, "namespace", { labels: labels("namespace") });
  const restricted = Object.fromEntries(
    ["enforce", "audit", "warn"].flatMap((mode) => [
      [`pod-security.kubernetes.io/${mode}`, "restricted"],
      [`pod-security.kubernetes.io/${mode}-version`, `v${kubernetesVersion}`],
    ]),
  );
  addModel(namespace, "namespace", new Namespace({ metadata: { name: ns, labels: restricted } }));

  const dapr = new Chart(app, "dapr", { namespace: ns, labels: labels("dapr-resources") });
  addComponents(dapr, region, peers);
  addConfigurations(dapr, region);
  addResiliency(
    dapr,
    peers.map((p) => peerLinkName(p.name)),
    region.saga === "orchestration",
  );
  addSubscriptions(
    dapr,
    peers.map((p) => p.name),
    region.saga === "orchestration",
    region.pubsub.profile,
  );

  const apps = new Chart(app, "apps", { namespace: ns, labels: labels("service") });
  for (const id of appsOf(region)) new DaprApp(apps, id, { app: id, spec: appSpecs[id], region, peers: peers.map((p) => p.name) });
  addPublicRoute(apps, region);

  const network = new Chart(app, "network", { namespace: ns, labels: labels("network-policy") });
  addNetworkPolicies(network, region, peers);

  const observability = new Chart(app, "observability", { namespace: ns, labels: labels("observability") });
  addCollector(observability, region);
  addPodMonitors(observability, region);
  addAlertRules(observability, region);
  addDashboards(observability);

  // Checked at apply time from what the other charts actually refer to.
  addSecretChecks(namespace, ns, requiredSecrets([dapr, apps].flatMap((chart) => chart.toJson())));

  for (const chart of [dapr, apps, network, observability]) chart.addDependency(namespace);
  return app;
}
