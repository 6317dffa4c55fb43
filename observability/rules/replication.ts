import { replicationMetrics, serviceLabels } from "../metrics.js";
import { quantile } from "../promql.js";
import type { RuleGroup } from "./rule.js";

const { lag } = replicationMetrics;
const byLink = [serviceLabels.region, lag.labels.peer];

/** Replication lag the system is built for (each change first waits ~1 s in Dapr's outbox relay). */
export const maxReplicationLagSeconds = 10;

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
  ],
};
