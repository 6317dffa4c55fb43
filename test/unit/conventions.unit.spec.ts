import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { ROOT_CONTEXT, TraceFlags, context, trace } from "@opentelemetry/api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cloudEventAttributes } from "../../services/shared/events/envelope.js";
import { serviceInstanceId } from "../../services/shared/instance.js";
import { createLogger } from "../../services/shared/log.js";
import { placedFixture } from "../support/order-fixtures.js";

describe("the ecosystem's conventions", () => {
  const manager = new AsyncLocalStorageContextManager();
  beforeAll(() => void context.setGlobalContextManager(manager.enable()));
  afterAll(() => {
    manager.disable();
    context.disable();
  });

  it("publishes CloudEvents whose time is the event's own and whose dataschema names its contract and version", () => {
    const attributes = cloudEventAttributes({ ...placedFixture, occurredAt: "2020-02-02T02:02:02.000Z" }, "orders.east");
    expect(attributes).toMatchObject({
      type: "io.meridian.order.placed",
      time: "2020-02-02T02:02:02.000Z",
      dataschema: "urn:meridian:schema:io.meridian.order.placed:v1",
      source: "orders.east",
    });
  });

  it("writes log lines that carry the active span's trace and span ids, and none outside a span", () => {
    const lines: Record<string, unknown>[] = [];
    const log = createLogger("orders", "east", "info", "instance-1", { write: (line: string) => void lines.push(JSON.parse(line)) });
    const span = { traceId: "0af7651916cd43dd8448eb211c80319c", spanId: "b7ad6b7169203331", traceFlags: TraceFlags.SAMPLED };
    context.with(trace.setSpanContext(ROOT_CONTEXT, span), () => log.info("in a span", { orderId: "o1" }));
    log.info("outside");
    expect(lines[0]).toMatchObject({
      msg: "in a span",
      service: "orders",
      region: "east",
      instance: "instance-1",
      orderId: "o1",
      trace_id: span.traceId,
      span_id: span.spanId,
      trace_flags: "01",
    });
    expect(lines[1]).not.toHaveProperty("trace_id");
  });

  it("names each process once for service.instance.id: the pod's name where given, else one made and kept", () => {
    expect(serviceInstanceId({ SERVICE_INSTANCE_ID: "orders-7d9f-abcde" })).toBe("orders-7d9f-abcde");
    const env: NodeJS.ProcessEnv = {};
    const made = serviceInstanceId(env);
    expect(made).toMatch(/^[0-9a-f-]{36}$/);
    expect(serviceInstanceId(env)).toBe(made);
  });
});
