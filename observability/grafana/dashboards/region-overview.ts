/**
 * Region overview: the RED view of every service (rate, errors, duration) and the Node runtime
 * under it, for the regions picked in the `region` variable.
 */
import type { DashboardBuilder } from "@grafana/grafana-foundation-sdk/dashboard";
import { apps } from "../../../platform/topology.js";
import { appMetrics, nodeMetrics, processMetrics, scrapeJobs, serviceLabels, targetLabels } from "../../metrics.js";
import { eq, quantile, rate, ratio, re, selector, sumBy } from "../../promql.js";
import { meridianDashboard } from "../dashboard.js";
import { inRegion, rateInterval } from "../datasource.js";
import { row, timeseries } from "../panels.js";

const http = appMetrics.httpDuration;
const requests = `${http.name}_count`;
/** Per service and region: with several regions picked, each keeps its own line. */
const byService = [serviceLabels.service, serviceLabels.region];
const serviceLegend = `{{${serviceLabels.service}}} ({{${serviceLabels.region}}})`;
const serverErrors = re(http.labels.statusCode, "5..");

function latency(q: number) {
  return timeseries({
    title: `Latency p${Math.round(q * 100)} by service`,
    description: `${q * 100}th percentile of the time each service takes to answer a request, from its HTTP server histogram.`,
    unit: "s",
    min: 0,
    queries: [{ expr: quantile(q, http.name, byService, [inRegion], rateInterval), legend: serviceLegend }],
  });
}

export function regionOverview(): DashboardBuilder {
  return meridianDashboard({
    uid: "meridian-region-overview",
    title: "Meridian / Region overview",
    description: "Requests, errors and latency of every service, and the Node runtime under them.",
  })
    .withRow(row("Requests"))
    .withPanel(
      timeseries({
        title: "Request rate by service",
        description: "HTTP requests answered per second, per service (gateway: public API; others: calls through Dapr).",
        unit: "reqps",
        min: 0,
        queries: [{ expr: sumBy(byService, rate(requests, [inRegion], rateInterval)), legend: serviceLegend }],
      }),
    )
    .withPanel(
      timeseries({
        title: "5xx error ratio by service",
        description: "Share of requests answered with a 5xx status. 0 when a service has had no server error.",
        unit: "percentunit",
        min: 0,
        queries: [
          {
            expr: ratio(
              sumBy(byService, rate(requests, [inRegion, serverErrors], rateInterval)),
              sumBy(byService, rate(requests, [inRegion], rateInterval)),
            ),
            legend: serviceLegend,
          },
        ],
      }),
    )
    .withPanel(
      timeseries({
        title: "Public API by route and status",
        description: "Requests per second the gateway answers, per route and status code: what clients see.",
        unit: "reqps",
        min: 0,
        stacked: true,
        queries: [
          {
            expr: sumBy(
              [http.labels.method, http.labels.route, http.labels.statusCode],
              rate(requests, [inRegion, eq(serviceLabels.service, apps.gateway)], rateInterval),
            ),
            legend: `{{${http.labels.method}}} {{${http.labels.route}}} {{${http.labels.statusCode}}}`,
          },
        ],
      }),
    )
    .withRow(row("Latency"))
    .withPanel(latency(0.5))
    .withPanel(latency(0.95))
    .withPanel(latency(0.99))
    .withRow(row("Node runtime"))
    .withPanel(
      timeseries({
        title: "CPU by service",
        description: "CPU seconds per second each service process uses (1 = one core).",
        unit: "short",
        min: 0,
        queries: [
          {
            expr: sumBy(byService, rate(processMetrics.cpuSeconds, [inRegion, eq(targetLabels.job, scrapeJobs.services)], rateInterval)),
            legend: serviceLegend,
          },
        ],
      }),
    )
    .withPanel(
      timeseries({
        title: "Resident memory by service",
        description: "Resident set size of each service process.",
        unit: "bytes",
        min: 0,
        queries: [
          {
            expr: sumBy(byService, selector(processMetrics.residentMemory, [inRegion, eq(targetLabels.job, scrapeJobs.services)])),
            legend: serviceLegend,
          },
        ],
      }),
    )
    .withPanel(
      timeseries({
        title: "Event loop lag p99 by service",
        description: "How late the event loop runs timers: high values mean a service is CPU-bound or blocked.",
        unit: "s",
        min: 0,
        queries: [{ expr: sumBy(byService, selector(nodeMetrics.eventLoopLagP99, [inRegion])), legend: serviceLegend }],
      }),
    );
}
