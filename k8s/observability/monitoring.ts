import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import type { Construct } from "constructs";
import { PodMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor";
import { PrometheusRule } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule";
import type { IPrometheusRule } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { parse } from "yaml";
import { scrapeJobs, targetLabels } from "../../observability/metrics.js";
import { projectRoot } from "../../platform/paths.js";
import type { RegionConfig } from "../../platform/regions.js";
import { addModel } from "../kobj.js";
import { partOf } from "../names.js";

type RuleGroups = NonNullable<IPrometheusRule["spec"]["groups"]>;

/**
 * Target labels the dashboards and alert rules rely on, as the local Prometheus sets them
 * (scripts/local/prometheus.ts): the job, the region, and the app (from the pod's Dapr app-id),
 * so `up` and daprd's own process metrics say whose they are.
 */
function targetRelabelings(job: string, region: RegionConfig) {
  return [
    { action: "replace" as const, targetLabel: targetLabels.job, replacement: job },
    { action: "replace" as const, targetLabel: targetLabels.region, replacement: region.name },
    { action: "replace" as const, sourceLabels: ["__meta_kubernetes_pod_annotation_dapr_io_app_id"], targetLabel: targetLabels.app },
  ];
}

/** Scrapes every app's /metrics (port `http`) and every sidecar's metrics (port `dapr-metrics`, added by the injector). */
export function addPodMonitors(scope: Construct, region: RegionConfig): void {
  const selector = { matchLabels: { "app.kubernetes.io/part-of": partOf } };
  const labels = { ...region.monitoring.selectorLabels };
  addModel(
    scope,
    "services-monitor",
    new PodMonitor({
      metadata: { name: `${partOf}-services`, labels },
      spec: {
        selector,
        // The services label their samples with their own region: keep it rather than exported_region.
        podMetricsEndpoints: [
          {
            port: "http",
            path: "/metrics",
            interval: "15s",
            honorLabels: true,
            relabelings: targetRelabelings(scrapeJobs.services, region),
          },
        ],
      },
    }),
  );
  addModel(
    scope,
    "sidecars-monitor",
    new PodMonitor({
      metadata: { name: `${partOf}-dapr-sidecars`, labels },
      spec: {
        selector: { matchLabels: { ...selector.matchLabels }, matchExpressions: [{ key: "dapr.io/app-id", operator: "Exists" }] },
        podMetricsEndpoints: [
          { port: "dapr-metrics", path: "/", interval: "15s", relabelings: targetRelabelings(scrapeJobs.sidecars, region) },
        ],
      },
    }),
  );
}

/**
 * Alert rules written here for when observability/alerts/ has none: service error rate from the
 * apps' own histogram, and deliveries daprd could not hand to an app (retried or dropped).
 */
export function defaultRuleGroups(region: RegionConfig): RuleGroups {
  const ns = `namespace="${region.namespace}"`;
  return [
    {
      name: "meridian.services",
      rules: [
        {
          alert: "MeridianHighErrorRate",
          expr:
            `sum by (service, region) (rate(meridian_http_server_request_duration_seconds_count{${ns},status_code=~"5.."}[5m]))\n` +
            `  / sum by (service, region) (rate(meridian_http_server_request_duration_seconds_count{${ns}}[5m])) > 0.05`,
          for: "5m",
          labels: { severity: "page" },
          annotations: { summary: "{{ $labels.service }} in {{ $labels.region }} answers more than 5% of requests with 5xx" },
        },
      ],
    },
    {
      name: "meridian.pubsub",
      rules: [
        {
          alert: "MeridianPubsubDeliveryFailures",
          expr: `sum by (app_id, component, topic) (rate(dapr_component_pubsub_ingress_count{${ns},process_status=~"retry|drop"}[5m])) > 0`,
          for: "10m",
          labels: { severity: "ticket" },
          annotations: { summary: "{{ $labels.app_id }} keeps failing deliveries from {{ $labels.component }}/{{ $labels.topic }}" },
        },
      ],
    },
  ];
}

/** Rule groups from observability/alerts/*.yaml (Prometheus rule files), or none when the folder is absent. */
export function ruleGroupsFromFiles(dir = join(projectRoot, "observability", "alerts")): RuleGroups {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(".yaml") || f.endsWith(".yml"))
    .sort()
    .flatMap((f) => (parse(readFileSync(join(dir, f), "utf8")) as { groups: RuleGroups }).groups);
}

export function addAlertRules(scope: Construct, region: RegionConfig): void {
  const fromFiles = ruleGroupsFromFiles();
  addModel(
    scope,
    "alert-rules",
    new PrometheusRule({
      metadata: { name: `${partOf}-alerts`, labels: { ...region.monitoring.selectorLabels } },
      spec: { groups: fromFiles.length > 0 ? fromFiles : defaultRuleGroups(region) },
    }),
  );
}

/** One ConfigMap per observability/dashboards/*.json, labelled for the Grafana sidecar of kube-prometheus-stack. */
export function addDashboards(scope: Construct, dir = join(projectRoot, "observability", "dashboards")): void {
  if (!existsSync(dir)) return;
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()) {
    const name = `dashboard-${basename(file, ".json")}`.toLowerCase().replace(/[^a-z0-9-]/g, "-");
    addModel(
      scope,
      name,
      new ConfigMap({ metadata: { name, labels: { grafana_dashboard: "1" } }, data: { [file]: readFileSync(join(dir, file), "utf8") } }),
    );
  }
}
