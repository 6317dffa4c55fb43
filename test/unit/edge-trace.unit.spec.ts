import { createRequire } from "node:module";
import { SpanKind } from "@opentelemetry/api";
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { shutdownTelemetry, startTelemetry } from "../../services/shared/telemetry.js";
import { call } from "../support/http.js";
import { type HopService, fakeSidecar, hopService } from "../support/hop-service.js";

const exporter = new InMemorySpanExporter();
let sidecar: Awaited<ReturnType<typeof fakeSidecar>>;
let gateway: HopService;
let internal: HopService;

beforeAll(async () => {
  // OpenTelemetry as instrumentation.ts starts it, its spans kept here instead of exported.
  startTelemetry(process.env, { spanProcessors: [new SimpleSpanProcessor(exporter)] });
  // In a service the ESM loader hook patches `http` as it is imported; here a require does
  // (the module object and Server.prototype are the ones every import of it shares).
  createRequire(import.meta.url)("node:http");
  sidecar = await fakeSidecar();
  gateway = await hopService(sidecar.port);
  internal = await hopService(sidecar.port, { appApiToken: "app-token" });
});
afterAll(async () => {
  gateway?.close();
  internal?.close();
  sidecar?.close();
  await shutdownTelemetry();
});

const clientTraceId = "4bf92f3577b34da6a3ce929d0e0e4736";
const clientSpanId = "00f067aa0ba902b7";

/** The server span of the one request to `service` whose answer came back last. */
function serverSpanOf(service: HopService): ReadableSpan {
  const port = Number(new URL(service.url).port);
  const spans = exporter
    .getFinishedSpans()
    .filter(
      (s) => s.kind === SpanKind.SERVER && Object.values(s.attributes).includes(port) && JSON.stringify(s.attributes).includes("/hop"),
    );
  expect(spans).toHaveLength(1);
  return spans[0]!;
}

const traceIdOf = (traceparent: unknown): string => String(traceparent).split("-")[1] ?? "";

async function hop(service: HopService, headers: Record<string, string>) {
  exporter.reset();
  const calls = sidecar.calls.length;
  const res = await call(`${service.url}/hop`, { headers });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  // The server span ends when the response has gone; the answer can arrive first.
  await expect.poll(() => exporter.getFinishedSpans().some((s) => s.kind === SpanKind.SERVER)).toBe(true);
  return { span: serverSpanOf(service), forwarded: sidecar.calls.slice(calls) };
}

describe("the public edge, with tracing on", () => {
  it("starts a trace of its own per request, links the client's span and hands on none of its context", async () => {
    const { span, forwarded } = await hop(gateway, {
      // Not sampled, and baggage meant for the services behind: neither is the client's to decide.
      traceparent: `00-${clientTraceId}-${clientSpanId}-00`,
      tracestate: "vendor=opaque",
      baggage: "tenant=someone-else",
    });
    // A root span, recorded although the client's flag said not to: our sampler decided.
    expect(span.parentSpanContext).toBeUndefined();
    expect(span.spanContext().traceId).not.toBe(clientTraceId);
    expect(span.links.map((l) => ({ traceId: l.context.traceId, spanId: l.context.spanId }))).toEqual([
      { traceId: clientTraceId, spanId: clientSpanId },
    ]);
    // The sidecar continues our trace, not the client's, and gets no baggage or tracestate.
    expect(forwarded).toHaveLength(1);
    expect(traceIdOf(forwarded[0]!["traceparent"])).toBe(span.spanContext().traceId);
    expect(forwarded[0]).not.toHaveProperty("baggage");
    expect(forwarded[0]).not.toHaveProperty("tracestate");
  });

  it("links nothing when the client sent no trace context, or a malformed one", async () => {
    for (const headers of [{}, { traceparent: "00-not-a-trace-01" }] as Record<string, string>[]) {
      const { span } = await hop(gateway, headers);
      expect(span.parentSpanContext).toBeUndefined();
      expect(span.links).toEqual([]);
    }
  });
});

describe("an internal app behind its sidecar, with tracing on", () => {
  it("continues the trace its sidecar hands it, baggage included, as before", async () => {
    const { span, forwarded } = await hop(internal, {
      "dapr-api-token": "app-token",
      traceparent: `00-${clientTraceId}-${clientSpanId}-01`,
      baggage: "hop=1",
    });
    expect(span.spanContext().traceId).toBe(clientTraceId);
    expect(span.parentSpanContext?.spanId).toBe(clientSpanId);
    expect(span.links).toEqual([]);
    expect(traceIdOf(forwarded[0]!["traceparent"])).toBe(clientTraceId);
    expect(forwarded[0]!["baggage"]).toBe("hop=1");
  });
});
