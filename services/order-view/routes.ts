import { Router } from "express";
import type { Sidecar } from "../shared/dapr/sidecar.js";
import { HttpMethod } from "../shared/dapr/sidecar.js";
import { type Outcome, subscriber } from "../shared/dapr/subscriber.js";
import { checkEvent } from "../shared/events/contracts.js";
import type { EventMetrics } from "../shared/events/metrics.js";
import { apps, topics } from "../../platform/topology.js";
import type { EventRecord } from "../shared/events/envelope.js";
import { customerIdQuery, orderIdParam } from "../shared/http/params.js";
import { HttpProblem, notFound } from "../shared/http/problem.js";
import { catalogShards } from "../shared/orders/catalog-shards.js";
import type { KeyedLock } from "../shared/keyed-lock.js";
import type { Logger } from "../shared/log.js";
import { fold, publicOrder } from "../shared/orders/order-state.js";
import { decide } from "./projection.js";
import type { Views } from "./views.js";

export interface ViewDeps {
  readonly views: Views;
  readonly sidecar: Sidecar;
  readonly ordersApp: string;
  readonly lock: KeyedLock;
  readonly log: Logger;
  readonly region: string;
  readonly metrics: EventMetrics;
}

export function viewRoutes(deps: ViewDeps): Router {
  const router = Router();

  async function apply(event: EventRecord): Promise<Outcome> {
    if (!event.type.startsWith("order.")) return "ignored";
    const orderId = event.subject;
    return deps.lock.run(orderId, async () => {
      const current = await deps.views.get(orderId);
      const decision = decide(current?.value, event);
      if (decision.kind === "duplicate") return "duplicate";
      let next = decision.kind === "apply" ? decision.next : undefined;
      if (decision.kind === "gap") {
        // Events may overtake each other in the broker; the writer's stream is the truth.
        deps.log.info("view gap, rebuilding from the stream", { orderId, have: decision.have, got: decision.got });
        const { events } = await deps.sidecar.invoke<{ events: EventRecord[] }>(deps.ordersApp, `orders/${orderId}/events`, HttpMethod.GET);
        next = fold(events.map(checkEvent));
      }
      if (!next) return "ignored";
      // A customer's index changes only when one of their orders first gets a view.
      if (!current) await deps.views.index(next.customerId, orderId);
      await deps.views.put(next, current);
      return "applied";
    });
  }

  router.post(
    `/events/${topics.orders}`,
    subscriber({
      app: apps.orderView,
      region: deps.region,
      topic: topics.orders,
      route: `/events/${topics.orders}`,
      sidecar: deps.sidecar,
      log: deps.log,
      metrics: deps.metrics,
      handle: apply,
    }),
  );

  /**
   * Rebuilds the read model by replaying every order's stream from the event store: each view
   * becomes the fold of its stream (never older than what it shows), and each customer index the
   * exact list of that customer's orders.
   */
  async function rebuild(): Promise<{ orders: number; customers: number }> {
    const byCustomer = new Map<string, string[]>();
    let orders = 0;
    for (const shard of catalogShards) {
      const { orderIds } = await deps.sidecar.invoke<{ orderIds: string[] }>(deps.ordersApp, `catalog/${shard}`, HttpMethod.GET);
      for (const orderId of orderIds) {
        const stream = await deps.sidecar
          .invoke<{ events: EventRecord[] }>(deps.ordersApp, `orders/${orderId}/events`, HttpMethod.GET)
          .catch((err: unknown) => {
            // Listed but never written (its first write failed): nothing to replay.
            if (err instanceof HttpProblem && err.status === 404) return undefined;
            throw err;
          });
        const state = stream && fold(stream.events.map(checkEvent));
        if (!state) continue;
        await deps.lock.run(orderId, async () => {
          const current = await deps.views.get(orderId);
          if (!current || current.value.version <= state.version) await deps.views.put(state, current);
        });
        byCustomer.set(state.customerId, [...(byCustomer.get(state.customerId) ?? []), orderId]);
        orders++;
      }
    }
    for (const [customerId, orderIds] of byCustomer) await deps.views.setIndex(customerId, orderIds);
    return { orders, customers: byCustomer.size };
  }

  // A rebuild outlives any request timeout: it runs in the background and is polled.
  type RebuildStatus = {
    status: "idle" | "running" | "done" | "failed";
    startedAt?: string;
    finishedAt?: string;
    orders?: number;
    customers?: number;
    error?: string;
  };
  let rebuildStatus: RebuildStatus = { status: "idle" };

  router.post("/rebuild", (_req, res) => {
    if (rebuildStatus.status !== "running") {
      rebuildStatus = { status: "running", startedAt: new Date().toISOString() };
      const started = rebuildStatus.startedAt;
      rebuild().then(
        (counts) => {
          rebuildStatus = { status: "done", startedAt: started, finishedAt: new Date().toISOString(), ...counts };
          deps.log.info("read model rebuilt", counts);
        },
        (err: unknown) => {
          rebuildStatus = {
            status: "failed",
            startedAt: started,
            finishedAt: new Date().toISOString(),
            error: err instanceof Error ? err.message : String(err),
          };
          deps.log.error("read model rebuild failed", { error: rebuildStatus.error });
        },
      );
    }
    res.status(202).json(rebuildStatus);
  });

  router.get("/rebuild", (_req, res) => {
    res.json(rebuildStatus);
  });

  router.get("/orders/:orderId", async (req, res) => {
    const orderId = orderIdParam(req.params["orderId"]);
    const view = await deps.views.get(orderId);
    if (!view) throw notFound(`order ${orderId} does not exist`);
    res.json(publicOrder(view.value));
  });

  router.get("/orders", async (req, res) => {
    const customerId = customerIdQuery(req.query["customerId"]);
    const orders = await deps.views.byCustomer(customerId);
    res.json({ customerId: customerId, orders: orders.map(publicOrder) });
  });

  return router;
}
