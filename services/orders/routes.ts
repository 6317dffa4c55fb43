import { randomUUID } from "node:crypto";
import { Router } from "express";
import { z } from "zod";
import { ConcurrencyError, type EventStore } from "../shared/dapr/event-store.js";
import { describeIssues, orderIdSchema, placeOrderSchema } from "../shared/events/order-input.js";
import { orderIdParam } from "../shared/http/params.js";
import { badRequest, notFound } from "../shared/http/problem.js";
import type { KeyedLock } from "../shared/keyed-lock.js";
import { fold, type OrderState, publicOrder } from "../shared/orders/order-state.js";
import { place } from "./domain.js";

export interface OrdersDeps {
  readonly region: string;
  readonly events: EventStore;
  readonly lock: KeyedLock;
  readonly clock: () => Date;
}

const placeCommandSchema = placeOrderSchema.extend({ orderId: orderIdSchema, requestHash: z.string().regex(/^[0-9a-f]{64}$/) });

const maxAttempts = 5;

export function ordersRoutes(deps: OrdersDeps): Router {
  const router = Router();

  router.post("/orders", async (req, res) => {
    const parsed = placeCommandSchema.safeParse(req.body);
    if (!parsed.success) throw badRequest(describeIssues(parsed.error));
    const cmd = parsed.data;
    const correlationId = req.header("x-correlation-id") ?? cmd.orderId;

    const state = await deps.lock.run(cmd.orderId, async () => {
      for (let attempt = 1; ; attempt++) {
        const stream = await deps.events.load(cmd.orderId);
        const decision = place(fold(stream?.events ?? []), cmd, {
          region: deps.region,
          now: deps.clock(),
          newId: randomUUID,
          correlationId,
          causationId: null,
        });
        if (decision.kind === "replayed") return decision.state;
        try {
          await deps.events.append(cmd.orderId, stream, decision.event);
          return fold([decision.event]) as OrderState;
        } catch (err) {
          // Another replica created it between our read and write: read again and compare.
          if (!(err instanceof ConcurrencyError) || attempt >= maxAttempts) throw err;
        }
      }
    });
    // The answer describes the acceptance, so a retried request gets the very same answer even
    // after the saga has moved the order on.
    res.status(202).json({ orderId: state.orderId, status: "pending", region: state.homeRegion });
  });

  router.get("/orders/:orderId", async (req, res) => {
    const orderId = orderIdParam(req.params["orderId"]);
    const stream = await deps.events.load(orderId);
    const state = fold(stream?.events ?? []);
    if (!state) throw notFound(`order ${orderId} does not exist`);
    res.json(publicOrder(state));
  });

  router.get("/orders/:orderId/events", async (req, res) => {
    const orderId = orderIdParam(req.params["orderId"]);
    const stream = await deps.events.load(orderId);
    if (!stream) throw notFound(`order ${orderId} does not exist`);
    res.json({ orderId: orderId, events: stream.events });
  });

  return router;
}
