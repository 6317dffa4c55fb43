import { Router } from "express";
import { z } from "zod";
import { badRequest } from "../shared/http/problem.js";
import { type Lake, maxReplayMinutes } from "./lake.js";

const rangeSchema = z.object({ from: z.iso.datetime({ offset: true }), to: z.iso.datetime({ offset: true }) });

/** Replaying the event lake: reached only through the operator app's admin port and the reseed tool. */
export function lakeRoutes(lake: Lake, region: string): Router {
  const router = Router();

  /** Replay one subject (an order id, or a SKU) from the lake. */
  router.get("/lake/subjects/:subject", async (req, res) => {
    const subject = String(req.params["subject"]);
    res.json({ region, subject, events: await lake.bySubject(subject) });
  });

  /** Replay a time range [from, to) from the lake, at most a day per request. */
  router.get("/lake/events", async (req, res) => {
    const range = rangeSchema.safeParse(req.query);
    if (!range.success) throw badRequest("from and to must be ISO 8601 date-times");
    const from = new Date(range.data.from);
    const to = new Date(range.data.to);
    if (to <= from) throw badRequest("to must be after from");
    if (to.getTime() - from.getTime() > maxReplayMinutes * 60_000)
      throw badRequest(`a replay may span at most ${maxReplayMinutes} minutes`);
    res.json({ region, from: range.data.from, to: range.data.to, events: await lake.byTime(from, to) });
  });

  return router;
}
