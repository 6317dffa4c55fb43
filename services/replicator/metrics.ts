import { Counter, Gauge, Histogram, type Registry } from "prom-client";

/** Replication and lake metrics; `peer` is the region events come from (bounded by config). */
export function replicationMetrics(registry: Registry) {
  return {
    lag: new Histogram({
      name: "meridian_replication_lag_seconds",
      help: "From an event's occurrence in its home region to its replica being written here.",
      labelNames: ["peer"] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers: [registry],
    }),
    events: new Counter({
      name: "meridian_replication_events_total",
      help: "Events received from a peer region, by outcome (applied, duplicate, ignored, retry).",
      labelNames: ["peer", "outcome"] as const,
      registers: [registry],
    }),
    lastApplied: new Gauge({
      name: "meridian_replication_last_applied_timestamp_seconds",
      help: "When the newest event from a peer region was applied here; time() minus it is how stale the replicas are.",
      labelNames: ["peer"] as const,
      registers: [registry],
    }),
    backlog: new Gauge({
      name: "meridian_replication_backlog_events",
      help: "Order events that originated here and the peer region has not applied yet, as of its last acknowledgement (refreshed every second; 0 until first measured).",
      labelNames: ["peer"] as const,
      registers: [registry],
    }),
    archived: new Counter({
      name: "meridian_lake_events_archived_total",
      help: "Events archived in this region's event lake, by topic and the region they originated in.",
      labelNames: ["topic", "origin_region"] as const,
      registers: [registry],
    }),
  };
}
export type ReplicationMetrics = ReturnType<typeof replicationMetrics>;
