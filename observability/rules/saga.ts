import { appMetrics, autoRedriveStates, consumeOutcomes, deadLetterMetrics, serviceLabels, workflowMetrics } from "../metrics.js";
import { eq, increaseFromZero, rate, selector, sumBy } from "../promql.js";
import { unfinishedSagas } from "../saga.js";
import type { RuleGroup } from "./rule.js";

const { eventsConsumed, deadLetters } = appMetrics;
const { open } = deadLetterMetrics;
const { overdue } = workflowMetrics;
const { service, region } = serviceLabels;

/**
 * Sagas take seconds; an order still pending after minutes is stuck. Over 15 minutes, more than
 * this many placed-but-not-finalised orders, held for 10 minutes, is a stalled saga, not traffic
 * in flight.
 */
export const maxUnfinishedSagas = 5;
/** Share of deliveries whose handler fails and is retried: transient errors stay well below it. */
export const maxRetryRatio = 0.05;

export const sagaRules: RuleGroup = {
  name: "meridian.saga",
  rules: [
    {
      alert: "MeridianStuckSagas",
      expr: `${unfinishedSagas("15m", [region])}\n  > ${maxUnfinishedSagas}`,
      for: "10m",
      labels: { severity: "page" },
      annotations: {
        summary: "Orders in {{ $labels.region }} are placed but not confirmed, rejected or cancelled",
        description:
          "{{ $value | humanize }} more orders were placed than finalised over 15 minutes. A consumer (inventory, payments, orders) or the outbox relay is not keeping up; see the Saga flow dashboard.",
      },
    },
    {
      // A saga ends by its payment deadline at the latest; past it, something it waits on is gone.
      alert: "MeridianWorkflowsStuck",
      expr: `${sumBy([region, overdue.labels.workflow], selector(overdue.name))} > 0`,
      for: "5m",
      labels: { severity: "ticket" },
      annotations: {
        summary: "{{ $labels.workflow }} workflows in {{ $labels.region }} run past their payment timeout",
        description:
          "{{ $value | humanize }} workflows are still running after their deadline; their orders stay pending. An activity keeps retrying a service that does not answer (inventory, payments or orders: see MeridianServiceDown; it gives up after 10 minutes and the workflow fails), or the Dapr placement or scheduler pods in dapr-system are down, so no timer or activity is delivered. order-saga logs each one once (`workflow running past its deadline`, its instanceId is the order id); see the Saga flow dashboard's Workflows row. Many stuck orders also raise MeridianStuckSagas.",
      },
    },
    {
      alert: "MeridianDeadLetters",
      expr: `${sumBy([service, region, deadLetters.labels.topic, deadLetters.labels.kind], increaseFromZero(deadLetters.name, [], "10m"))} > 0`,
      for: "1m",
      labels: { severity: "ticket" },
      annotations: {
        summary: "{{ $labels.service }} in {{ $labels.region }} dead-lettered events from {{ $labels.topic }} ({{ $labels.kind }})",
        description:
          "{{ $value | humanize }} fault events in 10 minutes. They are redriven automatically for half an hour; list them with GET /admin/dead-letters on the region's admin port.",
      },
    },
    {
      // The redriver tried for half an hour and gave up: nothing moves these without an operator.
      alert: "MeridianDeadLettersNeedOperator",
      expr: `${sumBy([service, region, open.labels.subscriber], `${open.name}{${open.labels.autoRedrive}="${autoRedriveStates.manual}"}`)} > 0`,
      for: "5m",
      labels: { severity: "page" },
      annotations: {
        summary: "{{ $labels.subscriber }} in {{ $labels.region }} has dead letters that are no longer redriven automatically",
        description:
          "{{ $value | humanize }} faults wait for an operator: contract violations, or handler failures the redriver gave up on after 30 minutes. Their orders may be pending. List them with GET /admin/dead-letters on the region's admin port (npm run dead-letters -- list), fix the cause, then redrive.",
      },
    },
    {
      alert: "MeridianDeadLettersRedriving",
      expr: `${sumBy([service, region, open.labels.subscriber], `${open.name}{${open.labels.autoRedrive}="${autoRedriveStates.scheduled}"}`)} > 0`,
      for: "10m",
      labels: { severity: "ticket" },
      annotations: {
        summary: "{{ $labels.subscriber }} in {{ $labels.region }} keeps failing redriven events",
        description:
          "{{ $value | humanize }} faults are still being redriven after 10 minutes; the subscriber or a store it needs is down or failing.",
      },
    },
    {
      alert: "MeridianEventHandlerFailures",
      expr:
        `${sumBy([service, region, eventsConsumed.labels.topic], rate(eventsConsumed.name, [eq(eventsConsumed.labels.outcome, consumeOutcomes.retry)], "5m"))}\n` +
        `  / ${sumBy([service, region, eventsConsumed.labels.topic], rate(eventsConsumed.name, [], "5m"))}\n  > ${maxRetryRatio}`,
      for: "10m",
      labels: { severity: "ticket" },
      annotations: {
        summary: "{{ $labels.service }} in {{ $labels.region }} keeps failing events from {{ $labels.topic }}",
        description: "{{ $value | humanizePercentage }} of deliveries fail and are retried; after the retries they are dead-lettered.",
      },
    },
  ],
};
