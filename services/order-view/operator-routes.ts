import { Router } from "express";
import type { ViewApp } from "./application.js";

/** Rebuilding the read model: reached only through the operator app's admin port (operator credential). */
export function viewOperatorRoutes(app: ViewApp): Router {
  const router = Router();
  router.post("/rebuild", async (_req, res) => {
    res.status(202).json(await app.startRebuild());
  });
  router.get("/rebuild", async (_req, res) => {
    res.json(await app.rebuildStatus());
  });
  return router;
}
