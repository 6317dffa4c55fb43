import type { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { openFaultsGauge } from "../../services/order-view/dead-letters.js";
import {
  appMetrics,
  deadLetterMetrics,
  nodeMetrics,
  processMetrics,
  replicationMetrics,
  serviceLabels,
  workflowMetrics,
} from "../../observability/metrics.js";
import { RunningWorkflows } from "../../services/order-saga/running-workflows.js";
import { workflowMetrics as sagaWorkflowMetrics, workflowOutcomes } from "../../services/order-saga/workflow-metrics.js";
import { replicationMetrics as serviceReplicationMetrics } from "../../services/replicator/metrics.js";
import { eventMetrics } from "../../services/shared/events/metrics.js";
import { createRegistry, httpMetrics } from "../../services/shared/metrics.js";

/** A registry with every metric a service registers, as services/shared/service.ts builds it. */
function serviceRegistry(): Registry {
  const registry = createRegistry("orders", "east");
  httpMetrics(registry);
  eventMetrics(registry);
  return registry;
}

describe("the dashboards' metric catalog matches what the services export", () => {
  const registry = serviceRegistry();

  it.each(Object.values(appMetrics))("$name exists with the labels the queries use", (spec) => {
    const metric = registry.getSingleMetric(spec.name) as unknown as { labelNames?: readonly string[] } | undefined;
    expect(metric, `${spec.name} is not registered by the services`).toBeDefined();
    expect([...(metric?.labelNames ?? [])].sort()).toEqual(Object.values(spec.labels).sort());
  });

  it.each([...Object.values(nodeMetrics), ...Object.values(processMetrics)])("%s is a default Node metric", (name) => {
    expect(registry.getSingleMetric(name)).toBeDefined();
  });

  it.each(Object.values(replicationMetrics))("$name exists on the replicator with the labels the queries use", (spec) => {
    const replicator = createRegistry("replicator", "west");
    serviceReplicationMetrics(replicator);
    const metric = replicator.getSingleMetric(spec.name) as unknown as { labelNames?: readonly string[] } | undefined;
    expect(metric, `${spec.name} is not registered by the replicator`).toBeDefined();
    expect([...(metric?.labelNames ?? [])].sort()).toEqual(Object.values(spec.labels).sort());
  });

  it.each(Object.values(deadLetterMetrics))("$name exists on order-view with the labels the alerts use", (spec) => {
    const view = createRegistry("order-view", "east");
    openFaultsGauge(view);
    const metric = view.getSingleMetric(spec.name) as unknown as { labelNames?: readonly string[] } | undefined;
    expect(metric).toBeDefined();
    expect([...(metric?.labelNames ?? [])].sort()).toEqual(Object.values(spec.labels).sort());
  });

  it.each(Object.values(workflowMetrics))("$name exists on order-saga with the labels the queries use", (spec) => {
    const saga = createRegistry("order-saga", "east");
    sagaWorkflowMetrics(saga, new RunningWorkflows(Object.keys(workflowOutcomes)));
    const metric = saga.getSingleMetric(spec.name) as unknown as { labelNames?: readonly string[] } | undefined;
    expect(metric, `${spec.name} is not registered by order-saga`).toBeDefined();
    expect([...(metric?.labelNames ?? [])].sort()).toEqual(Object.values(spec.labels).sort());
  });

  it("labels every sample with service and region", async () => {
    const text = await registry.metrics();
    expect(text).toContain(`${serviceLabels.service}="orders"`);
    expect(text).toContain(`${serviceLabels.region}="east"`);
  });
});
