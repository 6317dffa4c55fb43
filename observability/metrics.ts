/**
 * Every metric and label the dashboards and alert rules query, named once. The services' own
 * metrics are declared in services/shared/metrics.ts and services/shared/events/metrics.ts;
 * test/observability/metric-catalog.unit.spec.ts checks these names against those registries,
 * so a renamed metric fails a unit test instead of leaving an empty panel.
 */
import { apps } from "../platform/topology.js";
import { orderEventTypes } from "../services/shared/events/order-events.js";

/** A metric name with the labels we query on it. */
export interface MetricSpec<L extends string = string> {
  readonly name: string;
  readonly labels: Readonly<Record<L, string>>;
}

/** Labels every service sample carries (prom-client default labels, see createRegistry). */
export const serviceLabels = { service: "service", region: "region" } as const;

/** The services' metrics (prom-client, on each app's /metrics). */
export const appMetrics = {
  httpDuration: {
    name: "meridian_http_server_request_duration_seconds",
    labels: { method: "method", route: "route", statusCode: "status_code" },
  },
  eventsConsumed: {
    name: "meridian_events_consumed_total",
    labels: { topic: "topic", type: "type", outcome: "outcome" },
  },
  handlerDuration: {
    name: "meridian_event_handler_duration_seconds",
    labels: { topic: "topic", type: "type" },
  },
  duplicates: { name: "meridian_events_duplicate_total", labels: { type: "type" } },
  deadLetters: { name: "meridian_dead_letters_total", labels: { topic: "topic", kind: "kind" } },
  published: { name: "meridian_events_published_total", labels: { type: "type" } },
} as const satisfies Record<string, MetricSpec>;

/** The replicator's metrics (services/replicator/metrics.ts); `peer` is the region events come from. */
export const replicationMetrics = {
  lag: { name: "meridian_replication_lag_seconds", labels: { peer: "peer" } },
  events: { name: "meridian_replication_events_total", labels: { peer: "peer", outcome: "outcome" } },
  lastApplied: { name: "meridian_replication_last_applied_timestamp_seconds", labels: { peer: "peer" } },
  backlog: { name: "meridian_replication_backlog_events", labels: { peer: "peer" } },
  archived: { name: "meridian_lake_events_archived_total", labels: { topic: "topic", originRegion: "origin_region" } },
} as const satisfies Record<string, MetricSpec>;

/** order-view's dead-letter redriver (services/order-view/dead-letters.ts). */
export const deadLetterMetrics = {
  open: { name: "meridian_dead_letters_open", labels: { subscriber: "subscriber", autoRedrive: "auto_redrive" } },
} as const satisfies Record<string, MetricSpec>;

/**
 * order-saga's workflows (services/order-saga/workflow-metrics.ts), in orchestrated regions only;
 * `workflow` is a workflow's name. The gauges are per process: sum (or max) them per region.
 */
export const workflowMetrics = {
  started: { name: "meridian_workflows_started_total", labels: { workflow: "workflow" } },
  completed: { name: "meridian_workflows_completed_total", labels: { workflow: "workflow", outcome: "outcome" } },
  running: { name: "meridian_workflows_running", labels: { workflow: "workflow" } },
  overdue: { name: "meridian_workflows_overdue", labels: { workflow: "workflow" } },
  oldestAge: { name: "meridian_workflows_oldest_running_age_seconds", labels: { workflow: "workflow" } },
} as const satisfies Record<string, MetricSpec>;

/** Values of meridian_dead_letters_open's auto_redrive label. */
export const autoRedriveStates = { scheduled: "scheduled", manual: "manual" } as const;

/** Node runtime metrics from prom-client's collectDefaultMetrics. */
export const nodeMetrics = {
  eventLoopLagP99: "nodejs_eventloop_lag_p99_seconds",
  heapUsed: "nodejs_heap_size_used_bytes",
} as const;

/** What meridian_events_consumed_total's `outcome` label takes (services/shared/dapr/subscriber.ts). */
export const consumeOutcomes = {
  applied: "applied",
  duplicate: "duplicate",
  ignored: "ignored",
  retry: "retry",
  deadLettered: "dead_lettered",
} as const;

/** The label every daprd metric names its app by. */
export const daprAppId = "app_id";

/** Metrics of daprd 1.16 (the pinned runtime), as its metrics port serves them. */
export const daprMetrics = {
  invocationSent: {
    name: "dapr_runtime_service_invocation_req_sent_total",
    labels: { appId: daprAppId, dstAppId: "dst_app_id" },
  },
  /** Recorded by the caller's sidecar when the callee's answer arrives; `status` is the gRPC/HTTP code. */
  invocationReceivedLatencyMs: {
    name: "dapr_runtime_service_invocation_res_recv_latency_ms",
    labels: { appId: daprAppId, status: "status" },
  },
  invocationReceived: {
    name: "dapr_runtime_service_invocation_res_recv_total",
    labels: { appId: daprAppId, status: "status" },
  },
  pubsubIngress: {
    name: "dapr_component_pubsub_ingress_count",
    labels: { appId: daprAppId, component: "component", topic: "topic", processStatus: "process_status" },
  },
  pubsubIngressLatencyMs: {
    name: "dapr_component_pubsub_ingress_latencies",
    labels: { appId: daprAppId, topic: "topic" },
  },
  pubsubEgress: {
    name: "dapr_component_pubsub_egress_count",
    labels: { appId: daprAppId, component: "component", topic: "topic", success: "success" },
  },
  stateCount: {
    name: "dapr_component_state_count",
    labels: { appId: daprAppId, component: "component", operation: "operation", success: "success" },
  },
  stateLatencyMs: {
    name: "dapr_component_state_latencies",
    labels: { appId: daprAppId, component: "component", operation: "operation" },
  },
  apiRequests: {
    name: "dapr_http_server_request_count",
    labels: { appId: daprAppId, status: "status" },
  },
} as const satisfies Record<string, MetricSpec>;

/** Process metrics both Node (prom-client) and daprd (Go client) serve under the same names. */
export const processMetrics = {
  cpuSeconds: "process_cpu_seconds_total",
  residentMemory: "process_resident_memory_bytes",
} as const;

/**
 * Scrape jobs and the labels each target gets, shared by the local Prometheus
 * (scripts/local/prometheus.ts) and the PodMonitors (k8s/observability/monitoring.ts), so `up`
 * and daprd's own process metrics can be told apart and attributed to an app and a region.
 */
export const scrapeJobs = {
  services: "meridian-services",
  sidecars: "meridian-dapr-sidecars",
} as const;
export const targetLabels = { job: "job", region: "region", app: "app" } as const;
/** Prometheus's own series per target: 1 when the last scrape worked, 0 when it failed. */
export const scrapeUp = "up";

/** The saga's terminal order events: an order is finalised by exactly one of them (a user cancel of a confirmed order adds a second). */
export const finalOrderEvents = [orderEventTypes.confirmed, orderEventTypes.rejected, orderEventTypes.cancelled] as const;
export const sagaEvents = { placed: orderEventTypes.placed, final: finalOrderEvents } as const;

/** The one writer of order events: saga outcomes are counted from what it publishes. */
export const orderWriter = apps.orders;
