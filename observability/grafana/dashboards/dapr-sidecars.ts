/**
 * Dapr sidecars: what each app's daprd does for it (service invocation, pub/sub in and out,
 * state operations) and what the sidecar itself costs. Dapr's latency histograms are in
 * milliseconds, hence the "ms" units.
 */
import type { DashboardBuilder } from "@grafana/grafana-foundation-sdk/dashboard";
import { daprAppId, daprMetrics, processMetrics, scrapeJobs, scrapeUp, targetLabels } from "../../metrics.js";
import { eq, quantile, rate, selector, sumBy } from "../../promql.js";
import { meridianDashboard } from "../dashboard.js";
import { inRegion, rateInterval } from "../datasource.js";
import { row, stat, timeseries } from "../panels.js";

const {
  invocationSent,
  invocationReceived,
  invocationReceivedLatencyMs,
  pubsubIngress,
  pubsubIngressLatencyMs,
  pubsubEgress,
  stateCount,
  stateLatencyMs,
  apiRequests,
} = daprMetrics;
const region = targetLabels.region;
/** daprd's own process metrics are told apart from the app's by the scrape job. */
const sidecarTargets = [inRegion, eq(targetLabels.job, scrapeJobs.sidecars)];
const appId = daprAppId;

export function daprSidecars(): DashboardBuilder {
  return meridianDashboard({
    uid: "meridian-dapr-sidecars",
    title: "Meridian / Dapr sidecars",
    description: "Service invocation, pub/sub and state through each app's daprd, and the sidecars' CPU and memory.",
  })
    .withRow(row("Service invocation"))
    .withPanel(
      timeseries({
        title: "Invocations sent",
        description: "Calls per second a sidecar makes to another app's sidecar on behalf of its app.",
        unit: "reqps",
        min: 0,
        queries: [
          {
            expr: sumBy(
              [region, invocationSent.labels.appId, invocationSent.labels.dstAppId],
              rate(invocationSent.name, [inRegion], rateInterval),
            ),
            legend: `{{${appId}}} → {{${invocationSent.labels.dstAppId}}} ({{${region}}})`,
          },
        ],
      }),
    )
    .withPanel(
      timeseries({
        title: "Invocation responses by status",
        description: "Answers the calling sidecars received, per caller and status code.",
        unit: "reqps",
        min: 0,
        queries: [
          {
            expr: sumBy(
              [region, invocationReceived.labels.appId, invocationReceived.labels.status],
              rate(invocationReceived.name, [inRegion], rateInterval),
            ),
            legend: `{{${appId}}} {{${invocationReceived.labels.status}}} ({{${region}}})`,
          },
        ],
      }),
    )
    .withPanel(
      timeseries({
        title: "Invocation latency p99",
        description: "99th percentile of the round trip a calling sidecar sees, per caller.",
        unit: "ms",
        min: 0,
        queries: [
          {
            expr: quantile(
              0.99,
              invocationReceivedLatencyMs.name,
              [region, invocationReceivedLatencyMs.labels.appId],
              [inRegion],
              rateInterval,
            ),
            legend: `{{${appId}}} ({{${region}}})`,
          },
        ],
      }),
    )
    .withRow(row("Pub/sub"))
    .withPanel(
      timeseries({
        title: "Pub/sub ingress by status",
        description: "Messages a sidecar delivered to its app per second, per topic and what the app answered (success, retry, drop).",
        unit: "ops",
        min: 0,
        queries: [
          {
            expr: sumBy(
              [region, pubsubIngress.labels.appId, pubsubIngress.labels.topic, pubsubIngress.labels.processStatus],
              rate(pubsubIngress.name, [inRegion], rateInterval),
            ),
            legend: `{{${appId}}} ← {{${pubsubIngress.labels.topic}}} {{${pubsubIngress.labels.processStatus}}} ({{${region}}})`,
          },
        ],
      }),
    )
    .withPanel(
      timeseries({
        title: "Pub/sub ingress latency p99",
        description: "99th percentile of the time from a sidecar taking a message to the app's answer, per topic.",
        unit: "ms",
        min: 0,
        queries: [
          {
            expr: quantile(
              0.99,
              pubsubIngressLatencyMs.name,
              [region, pubsubIngressLatencyMs.labels.appId, pubsubIngressLatencyMs.labels.topic],
              [inRegion],
              rateInterval,
            ),
            legend: `{{${appId}}} ← {{${pubsubIngressLatencyMs.labels.topic}}} ({{${region}}})`,
          },
        ],
      }),
    )
    .withPanel(
      timeseries({
        title: "Pub/sub egress by result",
        description:
          "Messages a sidecar published for its app per second (fault events to the dead-letter topic, direct publishes), per topic and success.",
        unit: "ops",
        min: 0,
        queries: [
          {
            expr: sumBy(
              [region, pubsubEgress.labels.appId, pubsubEgress.labels.topic, pubsubEgress.labels.success],
              rate(pubsubEgress.name, [inRegion], rateInterval),
            ),
            legend: `{{${appId}}} → {{${pubsubEgress.labels.topic}}} success={{${pubsubEgress.labels.success}}} ({{${region}}})`,
          },
        ],
      }),
    )
    .withRow(row("State"))
    .withPanel(
      timeseries({
        title: "State operations by result",
        description: "State store operations per second, per app, component, operation and success.",
        unit: "ops",
        min: 0,
        width: 12,
        queries: [
          {
            expr: sumBy(
              [region, stateCount.labels.appId, stateCount.labels.component, stateCount.labels.operation, stateCount.labels.success],
              rate(stateCount.name, [inRegion], rateInterval),
            ),
            legend: `{{${appId}}} {{${stateCount.labels.component}}} {{${stateCount.labels.operation}}} success={{${stateCount.labels.success}}} ({{${region}}})`,
          },
        ],
      }),
    )
    .withPanel(
      timeseries({
        title: "State operation latency p99",
        description: "99th percentile of state store operation latency, per app, component and operation.",
        unit: "ms",
        min: 0,
        width: 12,
        queries: [
          {
            expr: quantile(
              0.99,
              stateLatencyMs.name,
              [region, stateLatencyMs.labels.appId, stateLatencyMs.labels.component, stateLatencyMs.labels.operation],
              [inRegion],
              rateInterval,
            ),
            legend: `{{${appId}}} {{${stateLatencyMs.labels.component}}} {{${stateLatencyMs.labels.operation}}} ({{${region}}})`,
          },
        ],
      }),
    )
    .withRow(row("Sidecars"))
    .withPanel(
      stat({
        title: "Sidecars up",
        description: "Sidecars whose metrics endpoint answered the last scrape, per region.",
        unit: "short",
        width: 6,
        queries: [{ expr: sumBy([region], selector(scrapeUp, sidecarTargets)), legend: `{{${region}}}` }],
      }),
    )
    .withPanel(
      timeseries({
        title: "Dapr API requests by status",
        description: "Calls apps make to their sidecar's HTTP API (publish, state, invoke), per app and status.",
        unit: "reqps",
        min: 0,
        width: 18,
        queries: [
          {
            expr: sumBy([region, apiRequests.labels.appId, apiRequests.labels.status], rate(apiRequests.name, [inRegion], rateInterval)),
            legend: `{{${appId}}} {{${apiRequests.labels.status}}} ({{${region}}})`,
          },
        ],
      }),
    )
    .withPanel(
      timeseries({
        title: "Sidecar CPU",
        description: "CPU seconds per second each daprd uses (1 = one core).",
        unit: "short",
        min: 0,
        width: 12,
        queries: [
          {
            expr: sumBy([region, targetLabels.app], rate(processMetrics.cpuSeconds, sidecarTargets, rateInterval)),
            legend: `{{${targetLabels.app}}} ({{${region}}})`,
          },
        ],
      }),
    )
    .withPanel(
      timeseries({
        title: "Sidecar memory",
        description: "Resident memory of each daprd.",
        unit: "bytes",
        min: 0,
        width: 12,
        queries: [
          {
            expr: sumBy([region, targetLabels.app], selector(processMetrics.residentMemory, sidecarTargets)),
            legend: `{{${targetLabels.app}}} ({{${region}}})`,
          },
        ],
      }),
    );
}
