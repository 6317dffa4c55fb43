import type { ReceivedSpan } from "./otlp-receiver.js";

/** The services whose app spans (not sidecar spans) are in the trace, as service@region. */
export function appsIn(spans: readonly ReceivedSpan[]): string[] {
  return [...new Set(spans.filter((s) => s.region).map((s) => `${s.service}@${s.region}`))].sort();
}

/** Spans whose parent is not in the set: a break in the trace. */
export function orphans(spans: readonly ReceivedSpan[]): string[] {
  const ids = new Set(spans.map((s) => s.spanId));
  return spans.filter((s) => s.parentSpanId && !ids.has(s.parentSpanId)).map((s) => `${s.service}: ${s.name}`);
}

/** Service-to-service edges: each app span linked to the nearest app span above it (sidecar spans skipped). */
export function edges(spans: readonly ReceivedSpan[]): string[] {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const found = new Set<string>();
  for (const span of spans) {
    if (!span.region) continue;
    let up = byId.get(span.parentSpanId);
    while (up && !up.region) up = byId.get(up.parentSpanId);
    if (up && `${up.service}@${up.region}` !== `${span.service}@${span.region}`)
      found.add(`${up.service}@${up.region} -> ${span.service}@${span.region}`);
  }
  return [...found].sort();
}
