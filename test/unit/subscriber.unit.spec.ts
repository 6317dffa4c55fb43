import type { Request, Response } from "express";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import type { Sidecar } from "../../services/shared/dapr/sidecar.js";
import { type Outcome, subscriber } from "../../services/shared/dapr/subscriber.js";
import type { EventRecord } from "../../services/shared/events/envelope.js";
import { eventMetrics } from "../../services/shared/events/metrics.js";
import type { Logger } from "../../services/shared/log.js";

const quiet: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

function event(n: number): EventRecord {
  return {
    id: `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`,
    type: "io.meridian.stock.level.changed",
    schemaVersion: 1,
    subject: `sku-${n}`,
    aggregateVersion: 1,
    occurredAt: "2026-01-01T00:00:00.000Z",
    originRegion: "east",
    correlationId: "c",
    causationId: null,
    data: { sku: `sku-${n}`, available: 1, reserved: 0 },
  };
}

/** Runs the Express handler once and returns the status and JSON it answered. */
async function post(handler: ReturnType<typeof subscriber>, body: unknown): Promise<{ status: number; json: unknown }> {
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
  await handler({ body, headers: {} } as Request, res as unknown as Response, () => undefined);
  return { status, json };
}

function setUp(handle: (e: EventRecord) => Promise<Outcome>) {
  const published: unknown[] = [];
  const sidecar = { publish: async (_p: string, _t: string, data: unknown) => void published.push(data) } as unknown as Sidecar;
  const handler = subscriber({
    app: "inventory",
    region: "east",
    topic: "orders",
    route: "/events/orders",
    sidecar,
    log: quiet,
    metrics: eventMetrics(new Registry()),
    handle,
  });
  return { handler, published };
}

describe("subscriber", () => {
  it("answers a bulk delivery with one verdict per entry: applied, retried, or dead-lettered as a contract violation", async () => {
    const seen: string[] = [];
    const { handler, published } = setUp(async (e) => {
      if (e.subject === "sku-2") throw new Error("store unavailable");
      seen.push(e.subject);
      return "applied";
    });
    const answer = await post(handler, {
      entries: [
        { entryId: "a", event: { id: "ce-1", data: event(1) } },
        { entryId: "b", event: JSON.stringify({ id: "ce-2", data: event(2) }) },
        { entryId: "c", event: { id: "ce-3", data: { not: "an event" } } },
      ],
    });
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({
      statuses: [
        { entryId: "a", status: "SUCCESS" },
        { entryId: "b", status: "RETRY" },
        { entryId: "c", status: "SUCCESS" },
      ],
    });
    expect(seen).toEqual(["sku-1"]);
    expect(published).toEqual([expect.objectContaining({ kind: "contract", subscriber: "inventory" })]);
  });

  it("answers a single delivery with 200, or 500 so that Dapr retries", async () => {
    let fail = true;
    const { handler } = setUp(async () => {
      if (fail) throw new Error("not yet");
      return "applied";
    });
    expect(await post(handler, { id: "ce", data: event(1) })).toEqual({ status: 500, json: { status: "RETRY" } });
    fail = false;
    expect(await post(handler, { id: "ce", data: event(1) })).toEqual({ status: 200, json: { status: "SUCCESS" } });
  });
});
