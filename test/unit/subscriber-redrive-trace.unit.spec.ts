import type { Request, Response } from "express";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import type { Sidecar } from "../../services/shared/dapr/sidecar.js";
import { type Outcome, redriveHeader, subscriber } from "../../services/shared/dapr/subscriber.js";
import type { EventRecord } from "../../services/shared/events/envelope.js";
import { eventMetrics } from "../../services/shared/events/metrics.js";
import type { Logger } from "../../services/shared/log.js";

/**
 * A redrive closes its fault once the subscriber answers SUCCESS. When that answer changed nothing
 * (a duplicate: the effect was recorded before, and its announcement may have been lost with it),
 * the chaos suite's logs (LOG_LEVEL=warn) must still name the order, or a stranded order leaves no
 * trace of where its event went.
 */
const orderId = "4f1c2d3e-0000-4000-8000-000000000042";

function reserved(): EventRecord {
  return {
    id: "00000000-0000-4000-8000-000000000001",
    type: "io.meridian.stock.level.changed",
    schemaVersion: 1,
    subject: orderId,
    aggregateVersion: 1,
    occurredAt: "2026-01-01T00:00:00.000Z",
    originRegion: "east",
    correlationId: "c",
    causationId: null,
    data: { sku: "sku-1", available: 1, reserved: 0 },
  };
}

function recordingLog(): { log: Logger; lines: { level: string; msg: string; fields: Record<string, unknown> }[] } {
  const lines: { level: string; msg: string; fields: Record<string, unknown> }[] = [];
  const at =
    (level: string) =>
    (msg: string, fields: Record<string, unknown> = {}): void =>
      void lines.push({ level, msg, fields });
  return { log: { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") } as Logger, lines };
}

async function post(handler: ReturnType<typeof subscriber>, body: unknown, redriven: boolean) {
  let status = 200;
  let json: unknown;
  const res = {
    status(code: number) {
      status = code;
      return res;
    },
    json(value: unknown) {
      json = value;
      return res;
    },
  };
  const headers = redriven ? { [redriveHeader]: "1" } : {};
  await handler({ body, headers } as unknown as Request, res as unknown as Response, () => undefined);
  return { status, json };
}

function setUp(outcome: () => Promise<Outcome>) {
  const { log, lines } = recordingLog();
  const published: unknown[] = [];
  const sidecar = { publish: async (_p: string, _t: string, data: unknown) => void published.push(data) } as unknown as Sidecar;
  const handler = subscriber({
    app: "payments",
    region: "east",
    topic: "inventory",
    route: "/events/inventory",
    sidecar,
    log,
    metrics: eventMetrics(new Registry()),
    handle: outcome,
  });
  return { handler, lines, published };
}

describe("subscriber: what a redrive did is traceable by order", () => {
  it("a redriven delivery that changed nothing is answered SUCCESS and logged at warn with the order and event", async () => {
    const { handler, lines } = setUp(async () => "duplicate");
    expect(await post(handler, { id: "ce-1", data: reserved() }, true)).toEqual({ status: 200, json: { status: "SUCCESS" } });
    expect(lines.filter((l) => l.level === "warn")).toEqual([
      {
        level: "warn",
        msg: "redriven delivery changed nothing; its fault closes",
        fields: expect.objectContaining({ subject: orderId, eventId: reserved().id, outcome: "duplicate", topic: "inventory" }),
      },
    ]);
  });

  it("a redriven delivery that applied is logged at info only; ordinary deliveries log nothing", async () => {
    const { handler, lines } = setUp(async () => "applied");
    await post(handler, { id: "ce-1", data: reserved() }, true);
    await post(handler, { id: "ce-1", data: reserved() }, false);
    expect(lines).toEqual([{ level: "info", msg: "redriven delivery applied", fields: expect.objectContaining({ subject: orderId }) }]);
  });

  it("the fault a subscriber publishes on its last attempt is logged with the order and event it is about", async () => {
    const { handler, lines, published } = setUp(async () => {
      throw new Error("store unavailable");
    });
    for (let attempt = 1; attempt <= 10; attempt++) await post(handler, { id: "ce-1", data: reserved() }, false);
    expect(published).toEqual([expect.objectContaining({ kind: "handler", subscriber: "payments", attempts: 10 })]);
    expect(lines.find((l) => l.msg === "dead-lettered")?.fields).toMatchObject({
      subject: orderId,
      eventId: reserved().id,
      kind: "handler",
    });
  });
});
