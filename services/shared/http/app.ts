import express, { type Express, type RequestHandler } from "express";
import type { Registry } from "prom-client";
import type { Logger } from "../log.js";
import { httpMetrics } from "../metrics.js";
import { HttpProblem, notFoundHandler, problemMiddleware, requireJsonBody } from "./problem.js";

export interface ServiceAppOptions {
  readonly registry: Registry;
  readonly log: Logger;
  /** Resolves when the service can do useful work (its sidecar answers). */
  readonly ready: () => Promise<boolean>;
  /** Largest accepted JSON body. Default 64 KiB. */
  readonly bodyLimit?: string;
  /** When set, every request but health and metrics must carry it in `dapr-api-token`. */
  readonly appApiToken?: string | undefined;
}

const openPaths = new Set(["/healthz", "/readyz", "/metrics"]);

/**
 * The Express skeleton every service shares: metrics, health, JSON parsing with limits. Routes
 * are added by the caller, which then calls `finish` to install the 404 and error handlers.
 */
export function createServiceApp(opts: ServiceAppOptions): { app: Express; finish: () => void } {
  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);
  app.use(httpMetrics(opts.registry));

  app.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });
  app.get("/readyz", async (_req, res) => {
    const ready = await opts.ready().catch(() => false);
    res.status(ready ? 200 : 503).json({ status: ready ? "ready" : "not ready" });
  });
  app.get("/metrics", async (_req, res) => {
    res.type(opts.registry.contentType).send(await opts.registry.metrics());
  });

  if (opts.appApiToken) app.use(requireAppToken(opts.appApiToken));
  app.use(requireJsonBody);
  // Dapr delivers CloudEvents as application/cloudevents+json, which `*/*+json` covers.
  app.use(express.json({ limit: opts.bodyLimit ?? "64kb", strict: true, type: ["application/json", "application/*+json"] }));

  return {
    app,
    finish: () => {
      app.use(notFoundHandler);
      app.use(problemMiddleware(opts.log));
    },
  };
}

function requireAppToken(token: string): RequestHandler {
  return (req, _res, next) => {
    if (openPaths.has(req.path) || req.headers["dapr-api-token"] === token) {
      next();
      return;
    }
    next(new HttpProblem(401, "Unauthorized", "missing or wrong dapr-api-token"));
  };
}
