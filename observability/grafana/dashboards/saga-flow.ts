/**
 * Saga flow: how orders move through the saga (placed, then confirmed, rejected or cancelled),
 * the orchestrated regions' workflows, how each consumer handles the events it gets, and what
 * ends in the dead letters.
 */
import type { DashboardBuilder } from "@grafana/grafana-foundation-sdk/dashboard";
import { appMetrics, consumeOutcomes, serviceLabels, workflowMetrics } from "../../metrics.js";
import { eq, increaseFromZero, maxBy, quantile, rate, selector, sumBy } from "../../promql.js";
import { orderEventMatchers, unfinishedSagas } from "../../saga.js";
import { meridianDashboard } from "../dashboard.js";
import { inRegion, rateInterval, timeRange } from "../datasource.js";
import { row, stat, timeseries } from "../panels.js";

const { published, eventsConsumed, handlerDuration, duplicates, deadLetters } = appMetrics;
const { completed, running, overdue, oldestAge } = workflowMetrics;
const region = serviceLabels.region;
const service = serviceLabels.service;
const workflow = completed.labels.workflow;

export function sagaFlow(): DashboardBuilder {
  return meridianDashboard({
    uid: "meridian-saga-flow",
    title: "Meridian / Saga flow",
    description: "Orders through the saga, event consumption by outcome, handler latency, duplicates and dead letters.",
  })
    .withRow(row("Orders"))
    .withPanel(
      stat({
        title: "Order events in range",
        description:
          "Orders placed, confirmed, rejected (no stock) and cancelled (payment declined or user cancel) in the dashboard's time range.",
        unit: "short",
        width: 12,
        queries: [
          {
            expr: sumBy([published.labels.type], increaseFromZero(published.name, orderEventMatchers([inRegion]), timeRange)),
            legend: `{{${published.labels.type}}}`,
          },
        ],
      }),
    )
    .withPanel(
      stat({
        title: "Sagas not finalised (last 15m)",
        description:
          "Orders placed in the last 15 minutes minus orders finalised in them, per region. It stays near 0 while sagas keep up and grows when they stall. A user cancel of a confirmed order finalises twice, so it can dip below 0.",
        unit: "short",
        width: 12,
        queries: [{ expr: unfinishedSagas("15m", [region], [inRegion]), legend: `{{${region}}}` }],
      }),
    )
    .withPanel(
      timeseries({
        title: "Order outcomes",
        description: "Rate of order events the orders service writes: placed starts a saga, confirmed / rejected / cancelled end it.",
        unit: "ops",
        min: 0,
        width: 24,
        queries: [
          {
            expr: sumBy([published.labels.type, region], rate(published.name, orderEventMatchers([inRegion]), rateInterval)),
            legend: `{{${published.labels.type}}} ({{${region}}})`,
          },
        ],
      }),
    )
    .withRow(row("Workflows (orchestrated regions)"))
    .withPanel(
      stat({
        title: "Workflows ended in range",
        description:
          "Workflows of order-saga that ended in the time range, by what they returned: the saga's confirmed, rejected, declined, timed-out or cancelled, the compensation's compensated, or failed (an activity gave up). Only regions whose saga is orchestrated run them.",
        unit: "short",
        width: 8,
        queries: [
          {
            expr: sumBy([workflow, completed.labels.outcome], increaseFromZero(completed.name, [inRegion], timeRange)),
            legend: `{{${workflow}}} {{${completed.labels.outcome}}}`,
          },
        ],
      }),
    )
    .withPanel(
      stat({
        title: "Workflows running",
        description: "Workflows that have started and not ended, per region, summed over order-saga's replicas.",
        unit: "short",
        width: 8,
        queries: [{ expr: sumBy([workflow, region], selector(running.name, [inRegion])), legend: `{{${workflow}}} ({{${region}}})` }],
      }),
    )
    .withPanel(
      stat({
        title: "Workflows past their deadline",
        description:
          "Running workflows older than their payment timeout, which a saga should never reach: by then it is confirmed or cancelled by its deadline. The stuck-workflow alert's figure.",
        unit: "short",
        width: 8,
        queries: [{ expr: sumBy([workflow, region], selector(overdue.name, [inRegion])), legend: `{{${workflow}}} ({{${region}}})` }],
      }),
    )
    .withPanel(
      timeseries({
        title: "Workflow outcomes",
        description: "Workflows ending per second, by workflow and outcome.",
        unit: "ops",
        min: 0,
        width: 8,
        queries: [
          {
            expr: sumBy([workflow, completed.labels.outcome, region], rate(completed.name, [inRegion], rateInterval)),
            legend: `{{${workflow}}} {{${completed.labels.outcome}}} ({{${region}}})`,
          },
        ],
      }),
    )
    .withPanel(
      timeseries({
        title: "Workflows running and overdue",
        description: "Workflows in flight, and those of them past their payment timeout.",
        unit: "short",
        min: 0,
        width: 8,
        queries: [
          { expr: sumBy([workflow, region], selector(running.name, [inRegion])), legend: `running {{${workflow}}} ({{${region}}})` },
          { expr: sumBy([workflow, region], selector(overdue.name, [inRegion])), legend: `overdue {{${workflow}}} ({{${region}}})` },
        ],
      }),
    )
    .withPanel(
      timeseries({
        title: "Oldest running workflow",
        description: "Age of the oldest workflow still running. Sagas take seconds; one older than the payment timeout is stuck.",
        unit: "s",
        min: 0,
        width: 8,
        queries: [{ expr: maxBy([workflow, region], selector(oldestAge.name, [inRegion])), legend: `{{${workflow}}} ({{${region}}})` }],
      }),
    )
    .withRow(row("Consumers"))
    .withPanel(
      timeseries({
        title: "Events consumed by outcome",
        description:
          "Deliveries handled per second: applied, duplicate (dropped by the idempotent inbox), ignored (not for this consumer), retry (handler failed, Dapr retries), dead_lettered.",
        unit: "ops",
        min: 0,
        stacked: true,
        queries: [
          {
            expr: sumBy([eventsConsumed.labels.outcome], rate(eventsConsumed.name, [inRegion], rateInterval)),
            legend: `{{${eventsConsumed.labels.outcome}}}`,
          },
        ],
      }),
    )
    .withPanel(
      timeseries({
        title: "Events consumed by service and topic",
        description: "Deliveries per second each subscriber handles, whatever the outcome.",
        unit: "ops",
        min: 0,
        queries: [
          {
            expr: sumBy([service, eventsConsumed.labels.topic], rate(eventsConsumed.name, [inRegion], rateInterval)),
            legend: `{{${service}}} ← {{${eventsConsumed.labels.topic}}}`,
          },
        ],
      }),
    )
    .withPanel(
      timeseries({
        title: "Handler failures (retries)",
        description: "Deliveries whose handler failed and that Dapr will deliver again, per service and event type.",
        unit: "ops",
        min: 0,
        queries: [
          {
            expr: sumBy(
              [service, eventsConsumed.labels.type],
              rate(eventsConsumed.name, [inRegion, eq(eventsConsumed.labels.outcome, consumeOutcomes.retry)], rateInterval),
            ),
            legend: `{{${service}}} {{${eventsConsumed.labels.type}}}`,
          },
        ],
      }),
    )
    .withPanel(
      timeseries({
        title: "Handler latency p99",
        description: "99th percentile of the time a service takes to handle one event, per service and event type.",
        unit: "s",
        min: 0,
        queries: [
          {
            expr: quantile(0.99, handlerDuration.name, [service, handlerDuration.labels.type], [inRegion], rateInterval),
            legend: `{{${service}}} {{${handlerDuration.labels.type}}}`,
          },
        ],
      }),
    )
    .withPanel(
      timeseries({
        title: "Duplicates dropped",
        description: "Redelivered or duplicated events the idempotent consumers recognised and dropped without effect.",
        unit: "ops",
        min: 0,
        queries: [
          {
            expr: sumBy([service, duplicates.labels.type], rate(duplicates.name, [inRegion], rateInterval)),
            legend: `{{${service}}} {{${duplicates.labels.type}}}`,
          },
        ],
      }),
    )
    .withPanel(
      timeseries({
        title: "Events published by type",
        description: "Events each service writes through its outbox, per type.",
        unit: "ops",
        min: 0,
        queries: [
          {
            expr: sumBy([service, published.labels.type], rate(published.name, [inRegion], rateInterval)),
            legend: `{{${service}}} {{${published.labels.type}}}`,
          },
        ],
      }),
    )
    .withRow(row("Dead letters"))
    .withPanel(
      stat({
        title: "Dead letters in range",
        description:
          "Deliveries given up on and sent to the dead-letter topic in the time range, per subscriber and reason kind (contract or handler).",
        unit: "short",
        width: 8,
        queries: [
          {
            expr: sumBy([service, deadLetters.labels.kind], increaseFromZero(deadLetters.name, [inRegion], timeRange)),
            legend: `{{${service}}} {{${deadLetters.labels.kind}}}`,
          },
        ],
      }),
    )
    .withPanel(
      timeseries({
        title: "Dead letters by topic",
        description:
          "Fault events written per second, per subscriber, source topic and kind. Any sustained value needs a look at /admin/dead-letters.",
        unit: "ops",
        min: 0,
        width: 16,
        queries: [
          {
            expr: sumBy([service, deadLetters.labels.topic, deadLetters.labels.kind], rate(deadLetters.name, [inRegion], rateInterval)),
            legend: `{{${service}}} ← {{${deadLetters.labels.topic}}} ({{${deadLetters.labels.kind}}})`,
          },
        ],
      }),
    );
}
