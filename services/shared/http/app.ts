import express, { type Express, type RequestHandler } from "express";
import type { Registry } from "prom-client";
import type { Logger } from "../log.js";
import { httpMetrics } from "../metrics.js";
import { distrustCallerTraceContext } from "./caller-trace-context.js";
import { limitJsonDepth } from "./json-depth.js";
import { HttpProblem, notFoundHandler, problemMiddleware, requireJsonBody } from "./problem.js";
import { secretEquals } from "./secret-equal.js";

export interface ServiceAppOptions {
  readonly registry: Registry;
  readonly log: Logger;
  /** Whether the service can do useful work now, and what it checked. */
  readonly ready: () => Promise<Readiness>;
  /** Largest accepted JSON body. Default 64 KiB. */
  readonly bodyLimit?: string;
  /** When set, every request but health and metrics must carry it in `dapr-api-token`. */
  readonly appApiToken?: string | undefined;
  /** When set, every request but health and metrics must carry `Authorization: Bearer <it>`. */
  readonly bearerToken?: string | undefined;
  /** The request metrics of another app of the same process (an admin port): a metric registers once. */
  readonly requestMetrics?: RequestHandler;
  /**
   * Whether the server continues its callers' traces (`traceparent`, `tracestate`, `baggage`).
   * Default: when every caller proves who it is (the app token, which only the sidecar has, or
   * the operator's bearer). A public app's callers are anyone: `app.listen` then serves on a
   * server that drops their trace context, starts a trace of its own per request and links the
   * caller's span (caller-trace-context.ts).
   */
  readonly trustCallerTraceContext?: boolean;
}

/** Each check names what it looked at: "ok", or what is wrong. */
export interface Readiness {
  readonly ready: boolean;
  readonly checks: Readonly<Record<string, string>>;
}

const openPaths = new Set(["/healthz", "/readyz", "/metrics"]);

/**
 * The Express skeleton every service shares: metrics, health, JSON parsing with limits. Routes
 * are added by the caller, which then calls `finish` to install the 404 and error handlers.
 */
export function createServiceApp(opts: ServiceAppOptions): { app: Express; finish: () => void; requestMetrics: RequestHandler } {
  const app = express();
  if (!(opts.trustCallerTraceContext ?? Boolean(opts.appApiToken || opts.bearerToken))) {
    const listen = app.listen.bind(app);
    // No request arrives before the server is handed back: listening starts on a later tick.
    app.listen = ((...args: Parameters<typeof listen>) => distrustCallerTraceContext(listen(...args))) as typeof app.listen;
  }
  app.disable("x-powered-by");
  app.set("etag", false);
  const requestMetrics = opts.requestMetrics ?? httpMetrics(opts.registry);
  app.use(requestMetrics);

  app.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });
  app.get("/readyz", async (_req, res) => {
    const report = await opts.ready().catch((err: unknown): Readiness => ({ ready: false, checks: { readiness: String(err) } }));
    res.status(report.ready ? 200 : 503).json({ status: report.ready ? "ready" : "not ready", checks: report.checks });
  });
  app.get("/metrics", async (_req, res) => {
    res.type(opts.registry.contentType).send(await opts.registry.metrics());
  });

  if (opts.appApiToken) app.use(requireAppToken(opts.appApiToken));
  if (opts.bearerToken) app.use(requireBearer(opts.bearerToken));
  app.use(requireJsonBody);
  // Dapr delivers CloudEvents as application/cloudevents+json, which `*/*+json` covers.
  app.use(express.json({ limit: opts.bodyLimit ?? "64kb", strict: true, type: ["application/json", "application/*+json"] }));
  app.use(limitJsonDepth);

  return {
    app,
    requestMetrics,
    finish: () => {
      app.use(notFoundHandler);
      app.use(problemMiddleware(opts.log));
    },
  };
}

/** The sidecar's credential; compared in constant time. */
function requireAppToken(token: string): RequestHandler {
  return (req, _res, next) => {
    if (openPaths.has(req.path) || secretEquals(req.headers["dapr-api-token"], token)) {
      next();
      return;
    }
    next(new HttpProblem(401, "Unauthorized", "missing or wrong dapr-api-token"));
  };
}

/** The operator's credential; compared in constant time. */
export function requireBearer(token: string): RequestHandler {
  const expected = `Bearer ${token}`;
  return (req, _res, next) => {
    if (openPaths.has(req.path) || secretEquals(req.headers.authorization, expected)) {
      next();
      return;
    }
    next(
      new HttpProblem(
        401,
        "Unauthorized",
        "this endpoint needs the operator credential: Authorization: Bearer <admin token>",
        {},
        {
          "WWW-Authenticate": 'Bearer realm="meridian-admin"',
        },
      ),
    );
  };
}
