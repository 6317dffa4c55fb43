import type { RequestHandler } from "express";
import { Histogram, Registry, collectDefaultMetrics } from "prom-client";

/**
 * One registry per process. `service` and `region` are constant labels: bounded, and they let one
 * dashboard query every service and region.
 */
export function createRegistry(service: string, region: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service, region });
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: eventLoopSampleMs });
  return registry;
}

/**
 * How often the event-loop lag histogram samples. prom-client's default, 10 ms, is a timer firing
 * a hundred times a second in every service: measured, about 0.6% of a core each while idle, most
 * of what an idle service costs (twelve of them: 7% of this machine). Lag that matters here lasts
 * tens of milliseconds or more, which a 50 ms sample still sees.
 */
const eventLoopSampleMs = 50;

/** RED metrics for the HTTP server. `route` is the matched Express pattern, never the raw path. */
export function httpMetrics(registry: Registry): RequestHandler {
  const duration = new Histogram({
    name: "meridian_http_server_request_duration_seconds",
    help: "Duration of HTTP requests handled by the service.",
    labelNames: ["method", "route", "status_code"] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  return (req, res, next) => {
    const end = duration.startTimer();
    res.on("finish", () => {
      // Unmatched requests (404s, body errors before routing) share one label value.
      const route = req.route ? `${req.baseUrl}${String(req.route.path)}` : "unmatched";
      end({ method: req.method, route, status_code: String(res.statusCode) });
    });
    next();
  };
}
