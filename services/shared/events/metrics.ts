import { Counter, Histogram, type Registry } from "prom-client";

/** Pub/sub metrics every service shares; labels are bounded (event types, outcomes, topics). */
export interface EventMetrics {
  readonly consumed: Counter<"topic" | "type" | "outcome">;
  readonly handlerDuration: Histogram<"topic" | "type">;
  readonly duplicates: Counter<"type">;
  readonly deadLetters: Counter<"topic" | "kind">;
  readonly published: Counter<"type">;
  readonly commitPublishFailures: Counter<"topic">;
}

export function eventMetrics(registry: Registry): EventMetrics {
  return {
    consumed: new Counter({
      name: "meridian_events_consumed_total",
      help: "Events delivered to this service, by outcome (applied, duplicate, ignored, retry, dead_lettered).",
      labelNames: ["topic", "type", "outcome"] as const,
      registers: [registry],
    }),
    handlerDuration: new Histogram({
      name: "meridian_event_handler_duration_seconds",
      help: "Time to handle one delivered event.",
      labelNames: ["topic", "type"] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    duplicates: new Counter({
      name: "meridian_events_duplicate_total",
      help: "Redelivered or duplicated events recognised and dropped without effect.",
      labelNames: ["type"] as const,
      registers: [registry],
    }),
    deadLetters: new Counter({
      name: "meridian_dead_letters_total",
      help: "Deliveries this service gave up on and sent to the dead-letter topic as fault events.",
      labelNames: ["topic", "kind"] as const,
      registers: [registry],
    }),
    published: new Counter({
      name: "meridian_events_published_total",
      help: "Events this service wrote through the outbox.",
      labelNames: ["type"] as const,
      registers: [registry],
    }),
    commitPublishFailures: new Counter({
      name: "meridian_events_commit_publish_failures_total",
      help: "Publishes right after commit that failed; the outbox delivered those events about a second later instead.",
      labelNames: ["topic"] as const,
      registers: [registry],
    }),
  };
}
