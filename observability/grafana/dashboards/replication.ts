/**
 * Replication: how fast each region's changes reach the others, what the replicators do with
 * what they receive, and what each region's event lake archives.
 */
import type { DashboardBuilder } from "@grafana/grafana-foundation-sdk/dashboard";
import { replicationMetrics, serviceLabels } from "../../metrics.js";
import { quantile, rate, selector, sumBy } from "../../promql.js";
import { meridianDashboard } from "../dashboard.js";
import { inRegion, rateInterval } from "../datasource.js";
import { row, timeseries } from "../panels.js";

const { lag, events, lastApplied, archived, backlog } = replicationMetrics;
const region = serviceLabels.region;
const byLink = [region, lag.labels.peer];
const linkLegend = `{{${lag.labels.peer}}} → {{${region}}}`;

function lagPanel(q: number) {
  return timeseries({
    title: `Replication lag p${Math.round(q * 100)}`,
    description: `${q * 100}th percentile of the time from an order event's occurrence in its home region to its replica being written here, per peer.`,
    unit: "s",
    min: 0,
    queries: [{ expr: quantile(q, lag.name, byLink, [inRegion], rateInterval), legend: linkLegend }],
  });
}

export function replication(): DashboardBuilder {
  return meridianDashboard({
    uid: "meridian-replication",
    title: "Meridian / Replication",
    description: "Replication lag and throughput between regions, staleness of replicas, and the event lake.",
  })
    .withRow(row("Between regions"))
    .withPanel(lagPanel(0.5))
    .withPanel(lagPanel(0.9))
    .withPanel(lagPanel(0.99))
    .withPanel(
      timeseries({
        title: "Replicated events by outcome",
        description:
          "Events received from each peer per second: applied (a new version of a replica), duplicate (already held), ignored (not that peer's own), retry.",
        unit: "ops",
        min: 0,
        stacked: true,
        queries: [
          {
            expr: sumBy([...byLink, events.labels.outcome], rate(events.name, [inRegion], rateInterval)),
            legend: `{{${events.labels.outcome}}} ${linkLegend}`,
          },
        ],
      }),
    )
    .withPanel(
      timeseries({
        title: "Seconds since the last replicated change",
        description:
          "How stale the replicas of each peer's orders are. It grows while a peer is down, cut off or idle; compare with that peer's own order rate.",
        unit: "s",
        min: 0,
        queries: [{ expr: `time() - max by (${byLink.join(", ")}) (${selector(lastApplied.name, [inRegion])})`, legend: linkLegend }],
      }),
    )
    .withPanel(
      timeseries({
        title: "Backlog per peer",
        description:
          "Order events that originated in this region and each peer has not applied yet, from the peers' acknowledgements. It grows while a peer is down or cut off and returns to 0 when it has caught up.",
        unit: "short",
        min: 0,
        queries: [
          {
            expr: sumBy([region, backlog.labels.peer], selector(backlog.name, [inRegion])),
            legend: `{{${region}}} → {{${backlog.labels.peer}}}`,
          },
        ],
      }),
    )
    .withRow(row("Event lake"))
    .withPanel(
      timeseries({
        title: "Events archived by origin",
        description:
          "Events each region's lake archives per second, by topic and the region they originated in (its own, and replicas of its peers' orders).",
        unit: "ops",
        min: 0,
        width: 24,
        queries: [
          {
            expr: sumBy([region, archived.labels.topic, archived.labels.originRegion], rate(archived.name, [inRegion], rateInterval)),
            legend: `{{${archived.labels.topic}}} from {{${archived.labels.originRegion}}} ({{${region}}})`,
          },
        ],
      }),
    );
}
