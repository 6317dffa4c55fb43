import type { Server } from "node:http";
import type { Express, Router } from "express";
import type { Registry } from "prom-client";
import type { z } from "zod";
import { type BaseConfig, ConfigError, loadConfig } from "./config.js";
import { Sidecar } from "./dapr/sidecar.js";
import { createServiceApp } from "./http/app.js";
import { type Logger, createLogger, errorFields } from "./log.js";
import { createRegistry } from "./metrics.js";
import { tracingEnabled } from "./tracing-enabled.js";

export interface ServiceContext<C extends BaseConfig> {
  readonly config: C;
  readonly log: Logger;
  readonly registry: Registry;
  readonly sidecar: Sidecar;
}

export interface ServiceDefinition<S extends z.ZodType<BaseConfig>> {
  readonly name: string;
  readonly env: S;
  /** Builds the routers from the context; the composition root of the service. */
  readonly routes: (ctx: ServiceContext<z.infer<S>>) => Router[] | Promise<Router[]>;
}

/** Starts a service: config validated once, one app, graceful stop on SIGTERM/SIGINT. */
export async function runService<S extends z.ZodType<BaseConfig>>(def: ServiceDefinition<S>): Promise<{ app: Express; server: Server }> {
  let config: z.infer<S>;
  try {
    config = loadConfig(def.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${def.name}: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger(def.name, config.REGION, config.LOG_LEVEL);
  const registry = createRegistry(def.name, config.REGION);
  const sidecar = new Sidecar({ httpPort: config.DAPR_HTTP_PORT, apiToken: config.DAPR_API_TOKEN });
  const { app, finish } = createServiceApp({ registry, log, ready: () => sidecar.ready(), appApiToken: config.APP_API_TOKEN });
  for (const router of await def.routes({ config, log, registry, sidecar })) app.use(router);
  finish();

  const server = app.listen(config.APP_PORT, config.BIND_HOST);
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  });
  // Longer than daprd's keep-alive so the sidecar never reuses a socket we are closing.
  server.keepAliveTimeout = 65_000;
  log.info("listening", { port: config.APP_PORT, daprHttpPort: config.DAPR_HTTP_PORT });

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info("stopping", { signal });
    // In-flight requests finish; idle keep-alive sockets are closed so close() can complete.
    server.close(() => {
      // Pending spans are flushed; telemetry.js is loaded only where instrumentation loaded it.
      const flushed = tracingEnabled() ? import("./telemetry.js").then((t) => t.shutdownTelemetry()) : Promise.resolve();
      void flushed.finally(() => process.exit(0));
    });
    server.closeIdleConnections();
    setTimeout(() => process.exit(0), 10_000).unref();
  };
  process.once("SIGTERM", () => stop("SIGTERM"));
  process.once("SIGINT", () => stop("SIGINT"));
  process.on("unhandledRejection", (err) => log.error("unhandled rejection", errorFields(err)));
  return { app, server };
}
