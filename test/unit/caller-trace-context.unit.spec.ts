import { TraceFlags } from "@opentelemetry/api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseTraceparent, traceContextHeaders } from "../../services/shared/http/caller-trace-context.js";
import { call } from "../support/http.js";
import { type HopService, fakeSidecar, hopService } from "../support/hop-service.js";

// OpenTelemetry is not loaded here, as in a service with no OTLP endpoint (tracing off).
const traceId = "0af7651916cd43dd8448eb211c80319c";
const spanId = "b7ad6b7169203331";
const clientContext = {
  traceparent: `00-${traceId}-${spanId}-01`,
  tracestate: "vendor=opaque",
  baggage: "tenant=someone-else,priority=high",
};

describe("a caller's traceparent", () => {
  it("is read when well-formed W3C Trace Context", () => {
    expect(parseTraceparent(`00-${traceId}-${spanId}-01`)).toEqual({ traceId, spanId, traceFlags: TraceFlags.SAMPLED, isRemote: true });
    expect(parseTraceparent(`00-${traceId}-${spanId}-00`)?.traceFlags).toBe(TraceFlags.NONE);
    // A later version may append fields, which this version does not know.
    expect(parseTraceparent(`01-${traceId}-${spanId}-01-more`)?.traceId).toBe(traceId);
  });

  it.each([
    ["no header", undefined],
    ["sent twice (joined by node)", `00-${traceId}-${spanId}-01, 00-${traceId}-${spanId}-01`],
    ["upper case", `00-${traceId.toUpperCase()}-${spanId}-01`],
    ["an all-zero trace id", `00-${"0".repeat(32)}-${spanId}-01`],
    ["an all-zero span id", `00-${traceId}-${"0".repeat(16)}-01`],
    ["the forbidden version ff", `ff-${traceId}-${spanId}-01`],
    ["version 00 with more fields", `00-${traceId}-${spanId}-01-more`],
    ["garbage", "hello"],
  ])("is ignored when %s", (_, value) => {
    expect(parseTraceparent(value)).toBeUndefined();
  });
});

describe("callers' trace context, with tracing off", () => {
  let sidecar: Awaited<ReturnType<typeof fakeSidecar>>;
  let gateway: HopService;
  let internal: HopService;
  let admin: HopService;
  let internalMadePublic: HopService;

  beforeAll(async () => {
    sidecar = await fakeSidecar();
    gateway = await hopService(sidecar.port);
    internal = await hopService(sidecar.port, { appApiToken: "app-token" });
    admin = await hopService(sidecar.port, { bearerToken: "operator-token-operator-token" });
    internalMadePublic = await hopService(sidecar.port, { appApiToken: "app-token", trustCallerTraceContext: false });
  });
  afterAll(() => {
    for (const s of [gateway, internal, admin, internalMadePublic]) s?.close();
    sidecar?.close();
  });

  const hop = async (service: HopService, headers: Record<string, string> = {}) => {
    const calls = sidecar.calls.length;
    const res = await call(`${service.url}/hop`, { headers: { ...clientContext, ...headers } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return { seen: service.seen.at(-1)!, forwarded: sidecar.calls.slice(calls) };
  };

  it("is gone from a public app's requests before its routes run, and never reaches its sidecar", async () => {
    const { seen, forwarded } = await hop(gateway);
    for (const name of traceContextHeaders) {
      expect(seen.headers).not.toHaveProperty(name);
      expect(seen.rawNames).not.toContain(name);
    }
    expect(forwarded).toHaveLength(1);
    for (const name of traceContextHeaders) expect(forwarded[0]).not.toHaveProperty(name);
    // The rest of the request is untouched.
    expect(seen.headers["host"]).toBe(new URL(gateway.url).host);
  });

  it("is kept where every caller proves who it is: the sidecar's app token, the operator's bearer", async () => {
    const fromSidecar = await hop(internal, { "dapr-api-token": "app-token" });
    expect(fromSidecar.seen.headers).toMatchObject(clientContext);
    const fromOperator = await hop(admin, { authorization: "Bearer operator-token-operator-token" });
    expect(fromOperator.seen.headers).toMatchObject(clientContext);
  });

  it("is dropped wherever the service says its callers are not to be trusted", async () => {
    const { seen } = await hop(internalMadePublic, { "dapr-api-token": "app-token" });
    for (const name of traceContextHeaders) expect(seen.headers).not.toHaveProperty(name);
  });
});
