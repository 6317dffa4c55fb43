import { readFileSync } from "node:fs";
import { join } from "node:path";
import { projectRoot } from "../../platform/paths.js";
import { problemsMarkdown } from "../../scripts/docs/problems.js";
import { domainErrorKinds } from "../../services/shared/domain/errors.js";
import { domainProblem, problemTypes } from "../../services/shared/http/problem-types.js";
import type { AddressInfo } from "node:net";
import { Router } from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServiceApp } from "../../services/shared/http/app.js";
import { conflict } from "../../services/shared/http/problem.js";
import type { Logger } from "../../services/shared/log.js";
import { createRegistry } from "../../services/shared/metrics.js";
import { call } from "../support/http.js";

const logged: string[] = [];
const log: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: (m) => void logged.push(m) };
let base = "";
let close: () => void = () => {};

beforeAll(async () => {
  const registry = createRegistry("test", "east");
  const { app, finish } = createServiceApp({
    registry,
    log,
    ready: async () => ({ ready: true, checks: {} }),
    bodyLimit: "1kb",
    appApiToken: "secret",
  });
  const router = Router();
  router.post("/echo", (req, res) => void res.json(req.body));
  router.get("/conflict", () => {
    throw conflict("order is already final");
  });
  router.get("/boom", () => {
    throw new Error("database password is hunter2");
  });
  app.use(router);
  finish();
  const server = app.listen(0, "127.0.0.1");
  await new Promise((r) => server.once("listening", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => server.close();
});
afterAll(() => close());

const auth = { "dapr-api-token": "secret" };

describe("the shared service skeleton", () => {
  it("answers typed errors as problem+json with their status", async () => {
    const a = await call(`${base}/conflict`, { headers: auth });
    expect(a.status).toBe(409);
    expect(a.contentType).toBe("application/problem+json; charset=utf-8");
    expect(a.body).toEqual({
      type: "urn:meridian:problem:conflict",
      title: "Conflict",
      status: 409,
      detail: "order is already final",
      instance: "/conflict",
    });
  });

  it("hides unexpected errors behind a 500 and logs them", async () => {
    const a = await call(`${base}/boom`, { headers: auth });
    expect(a.status).toBe(500);
    expect(JSON.stringify(a.body)).not.toContain("hunter2");
    expect(logged).toContain("unhandled error");
  });

  it.each([
    ["{not json", "application/json", 400],
    ["x".repeat(2000), "application/json", 413],
    ['{"a":1}', "text/plain", 415],
  ])("maps body %#", async (body, contentType, status) => {
    const a = await call(`${base}/echo`, { method: "POST", headers: { ...auth, "content-type": contentType }, body });
    expect(a.status).toBe(status);
    expect(a.contentType).toContain("application/problem+json");
  });

  it("accepts CloudEvents JSON, which daprd sends", async () => {
    const a = await call(`${base}/echo`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/cloudevents+json" },
      body: '{"id":"1"}',
    });
    expect(a.body).toEqual({ id: "1" });
  });

  it("requires the app token everywhere but health and metrics", async () => {
    expect((await call(`${base}/conflict`)).status).toBe(401);
    expect((await call(`${base}/healthz`)).status).toBe(200);
    expect((await call(`${base}/readyz`)).status).toBe(200);
    const metrics = await call(`${base}/metrics`);
    expect(String(metrics.body)).toMatch(
      /meridian_http_server_request_duration_seconds_count\{service="test",region="east",method="GET",route="\/conflict",status_code="409"\} 1/,
    );
  });
});

describe("problem types", () => {
  it("are documented as the table says (docs/problems.md is current)", () => {
    expect(readFileSync(join(projectRoot, "docs", "problems.md"), "utf8")).toBe(problemsMarkdown());
  });

  it("give every domain error kind a documented type", () => {
    for (const kind of domainErrorKinds) expect(problemTypes[domainProblem[kind]].type).toMatch(/^urn:meridian:problem:/);
  });
});
