import { context, propagation } from "@opentelemetry/api";

/**
 * The active trace context as outbox operation metadata. Dapr copies an outbox operation's
 * metadata into the CloudEvent it publishes, and the sidecar that delivers the event continues
 * the trace from the CloudEvent's `traceparent`; without this each hop would start a new trace,
 * because the state transaction API does not carry the caller's context into the outbox.
 * Empty when tracing is off.
 */
export function traceMetadata(): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  const traceparent = carrier["traceparent"];
  if (!traceparent) return {};
  return { traceparent, traceid: traceparent, ...(carrier["tracestate"] ? { tracestate: carrier["tracestate"] } : {}) };
}
