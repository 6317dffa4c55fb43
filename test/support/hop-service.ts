import { type IncomingHttpHeaders, type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Router } from "express";
import { HttpMethod, Sidecar } from "../../services/shared/dapr/sidecar.js";
import { type ServiceAppOptions, createServiceApp } from "../../services/shared/http/app.js";
import type { Logger } from "../../services/shared/log.js";
import { createRegistry } from "../../services/shared/metrics.js";

const quiet: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

const listening = async (server: Server): Promise<number> => {
  if (!server.listening) await new Promise((resolve) => server.once("listening", resolve));
  return (server.address() as AddressInfo).port;
};

/** A stand-in for daprd's HTTP API on 127.0.0.1: answers every call {} and keeps each call's headers. */
export async function fakeSidecar(): Promise<{ port: number; calls: IncomingHttpHeaders[]; close: () => void }> {
  const calls: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => {
    calls.push(req.headers);
    req.resume();
    req.on("end", () => res.writeHead(200, { "content-type": "application/json" }).end("{}"));
  }).listen(0, "127.0.0.1");
  return { port: await listening(server), calls, close: () => server.close() };
}

export interface HopService {
  readonly url: string;
  /** What the route saw of each request: its headers, and its raw header names (lower-cased). */
  readonly seen: { headers: IncomingHttpHeaders; rawNames: string[] }[];
  close(): void;
}

/**
 * A service built as every service is (createServiceApp), with one route, GET /hop, that calls
 * another app through its sidecar at `sidecarPort`: a public gateway without tokens, an internal
 * app with `appApiToken`.
 */
export async function hopService(sidecarPort: number, opts: Partial<ServiceAppOptions> = {}): Promise<HopService> {
  const sidecar = new Sidecar({ httpPort: sidecarPort, apiToken: "to-the-sidecar" });
  const { app, finish } = createServiceApp({
    registry: createRegistry("test", "east"),
    log: quiet,
    ready: async () => ({ ready: true, checks: {} }),
    ...opts,
  });
  const seen: HopService["seen"] = [];
  const router = Router();
  router.get("/hop", async (req, res) => {
    seen.push({ headers: { ...req.headers }, rawNames: req.rawHeaders.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase()) });
    res.json(await sidecar.invoke("orders", "orders/o-1", HttpMethod.GET));
  });
  app.use(router);
  finish();
  const server = app.listen(0, "127.0.0.1");
  return { url: `http://127.0.0.1:${await listening(server)}`, seen, close: () => server.close() };
}
