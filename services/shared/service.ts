import type { Server } from "node:http";
import type { Express, Router } from "express";
import type { Registry } from "prom-client";
import type { z } from "zod";
import { type AdminConfig, type BaseConfig, ConfigError, loadConfig } from "./config.js";
import { Sidecar } from "./dapr/sidecar.js";
import { createServiceApp } from "./http/app.js";
import { serviceInstanceId } from "./instance.js";
import { type Logger, createLogger, errorFields } from "./log.js";
import { createRegistry } from "./metrics.js";
import { type Check, readinessOf } from "./readiness.js";
import { tracingEnabled } from "./tracing-enabled.js";

export interface ServiceContext<C extends BaseConfig> {
  readonly config: C;
  readonly log: Logger;
  readonly registry: Registry;
  readonly sidecar: Sidecar;
}

/** Background work: started by its factory once the service is composed, stopped on shutdown. */
export interface Worker {
  stop(): void;
}

/** Everything a service serves and runs, built once from its context. */
export interface Composition {
  /** Served on APP_PORT, which only the service's own sidecar reaches (APP_API_TOKEN). */
  readonly routes: readonly Router[];
  /**
   * Operator endpoints, served on their own port (`ADMIN_PORT`) and only with the operator's
   * credential (`Authorization: Bearer $ADMIN_TOKEN`): never on the public port. The service's
   * env schema must then include adminEnvSchema.
   */
  readonly adminRoutes?: readonly Router[];
  /** Background work (timers, redrivers); never started inside route factories. */
  readonly workers?: readonly Worker[];
  /** Named readiness checks besides the service's own sidecar (see readinessOf). */
  readonly readiness?: Readonly<Record<string, Check>>;
}

export interface ServiceDefinition<S extends z.ZodType<BaseConfig>> {
  readonly name: string;
  readonly env: S;
  /** The composition root of the service. */
  readonly compose: (ctx: ServiceContext<z.infer<S>>) => Composition | Promise<Composition>;
}

/** Starts a service: config validated once, composed once, graceful stop on SIGTERM/SIGINT. */
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
  const log = createLogger(def.name, config.REGION, config.LOG_LEVEL, serviceInstanceId());
  const registry = createRegistry(def.name, config.REGION);
  const sidecar = new Sidecar({ httpPort: config.DAPR_HTTP_PORT, apiToken: config.DAPR_API_TOKEN });
  const composition = await def.compose({ config, log, registry, sidecar });
  const ready = readinessOf({ sidecar: () => sidecar.ready(), ...composition.readiness });
  const { app, finish, requestMetrics } = createServiceApp({ registry, log, ready, appApiToken: config.APP_API_TOKEN });
  for (const router of composition.routes) app.use(router);
  finish();
  const servers = [await listen(app, config.APP_PORT, config.BIND_HOST)];
  log.info("listening", { port: config.APP_PORT, daprHttpPort: config.DAPR_HTTP_PORT });

  if (composition.adminRoutes) {
    const admin = adminSettings(config, def.name);
    const adminApp = createServiceApp({ registry, log, ready, bearerToken: admin.ADMIN_TOKEN, requestMetrics });
    for (const router of composition.adminRoutes) adminApp.app.use(router);
    adminApp.finish();
    servers.push(await listen(adminApp.app, admin.ADMIN_PORT, admin.ADMIN_BIND_HOST));
    log.info("admin listening", { port: admin.ADMIN_PORT });
  }
  const [server] = servers as [Server];

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info("stopping", { signal });
    for (const worker of composition.workers ?? []) worker.stop();
    // In-flight requests finish; idle keep-alive sockets are closed so close() can complete.
    for (const extra of servers.slice(1)) {
      extra.close();
      extra.closeIdleConnections();
    }
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

/** The admin port's settings, which the service's env schema validated with the rest. */
function adminSettings(config: BaseConfig, service: string): AdminConfig {
  const c = config as BaseConfig & Partial<AdminConfig>;
  if (c.ADMIN_PORT === undefined || c.ADMIN_TOKEN === undefined) {
    throw new Error(`${service} serves admin routes, so its env schema must include adminEnvSchema`);
  }
  return { ADMIN_PORT: c.ADMIN_PORT, ADMIN_BIND_HOST: c.ADMIN_BIND_HOST ?? "127.0.0.1", ADMIN_TOKEN: c.ADMIN_TOKEN };
}

async function listen(app: Express, port: number, host: string): Promise<Server> {
  const server = app.listen(port, host);
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  });
  // Longer than daprd's keep-alive so the sidecar never reuses a socket we are closing.
  server.keepAliveTimeout = 65_000;
  return server;
}
