import { daprAppId, daprMetrics, scrapeJobs, scrapeUp, targetLabels } from "../metrics.js";
import { eq, rate, re, selector, sumBy } from "../promql.js";
import type { RuleGroup } from "./rule.js";

const ingress = daprMetrics.pubsubIngress;

export const sidecarRules: RuleGroup = {
  name: "meridian.dapr",
  rules: [
    {
      alert: "MeridianSidecarDown",
      expr: `${selector(scrapeUp, [eq(targetLabels.job, scrapeJobs.sidecars)])} == 0`,
      for: "2m",
      labels: { severity: "page" },
      annotations: {
        summary: "The daprd sidecar of {{ $labels.app }} in {{ $labels.region }} is down",
        description: "Its app can neither call other apps, publish, read state nor receive events ({{ $labels.instance }}).",
      },
    },
    {
      alert: "MeridianPubsubDeliveryFailures",
      expr: `${sumBy([targetLabels.region, daprAppId, ingress.labels.component, ingress.labels.topic], rate(ingress.name, [re(ingress.labels.processStatus, "retry|drop")], "5m"))} > 0`,
      for: "10m",
      labels: { severity: "ticket" },
      annotations: {
        summary:
          "The sidecar of {{ $labels.app_id }} in {{ $labels.region }} keeps failing deliveries from {{ $labels.component }}/{{ $labels.topic }}",
        description: "daprd got retry or drop answers from the app for 10 minutes; see the Dapr sidecars dashboard.",
      },
    },
  ],
};
