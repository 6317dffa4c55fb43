import { replicationMetrics, serviceLabels } from "../metrics.js";
import { quantile } from "../promql.js";
import type { RuleGroup } from "./rule.js";

const { lag, backlog } = replicationMetrics;
const byLink = [serviceLabels.region, lag.labels.peer];

/** Replication lag the system is built for (each change first waits ~1 s in Dapr's outbox relay). */
export const maxReplicationLagSeconds = 10;
/** Events a peer may be behind for a while (a burst); held for 10 minutes it is an outage. */
export const maxReplicationBacklog = 100;

export const replicationRules: RuleGroup = {
  name: "meridian.replication",
  rules: [
    {
      alert: "MeridianReplicationLagHigh",
      expr: `${quantile(0.99, lag.name, byLink, [], "5m")}\n  > ${maxReplicationLagSeconds}`,
      for: "10m",
      labels: { severity: "page" },
      annotations: {
        summary: "Changes from {{ $labels.peer }} reach {{ $labels.region }} late",
        description:
          "p99 replication lag is {{ $value | humanizeDuration }}. The peer link, the peer's broker or this region's replicator or orders service is slow; see the Replication dashboard.",
      },
    },
    {
      alert: "MeridianReplicationBacklog",
      expr: `max by (${serviceLabels.region}, ${backlog.labels.peer}) (${backlog.name}) > ${maxReplicationBacklog}`,
      for: "10m",
      labels: { severity: "page" },
      annotations: {
        summary: "{{ $labels.peer }} has not applied {{ $value }} order events from {{ $labels.region }}",
        description:
          "The peer region is down, cut off or its replicator is stuck; it catches up from its durable position once it can read this region's broker again. See the Replication dashboard.",
      },
    },
  ],
};
