import { randomUUID } from "node:crypto";
import { Router } from "express";
import { type Fault, faultSchema } from "../shared/events/fault.js";
import type { Sidecar } from "../shared/dapr/sidecar.js";
import { HttpMethod } from "../shared/dapr/sidecar.js";
import { conflict, notFound } from "../shared/http/problem.js";
import type { Logger } from "../shared/log.js";
import { retryOnConflict } from "../shared/dapr/event-store.js";
import { KeyedLock } from "../shared/keyed-lock.js";
import { z } from "zod";

export interface StoredFault extends Fault {
  readonly status: "open" | "redriven";
  readonly redrivenAt?: string;
}

interface FaultIndex {
  readonly faultIds: string[];
}

const indexKey = "faults";
const faultKey = (id: string) => `fault-${id}`;

/**
 * The dead-letter topic as a read model: every fault is kept with its reason, can be listed, and
 * redriven by handing the original CloudEvent back to the subscriber that failed it (all
 * handlers are idempotent, so a redrive of something already applied changes nothing).
 */
export function deadLetterRoutes(deps: { sidecar: Sidecar; store: string; region: string; log: Logger }): Router {
  const router = Router();

  const lock = new KeyedLock();

  /** Stores a fault and adds it to the index; the index is one key, so writers queue for it. */
  function save(fault: StoredFault): Promise<void> {
    return lock.run(indexKey, () =>
      retryOnConflict(async () => {
        const index = await deps.sidecar.get<FaultIndex>(deps.store, indexKey);
        const ids = index?.value.faultIds ?? [];
        await deps.sidecar.write(deps.store, [{ key: faultKey(fault.faultId), value: fault, overwrite: true }]);
        if (ids.includes(fault.faultId)) return;
        await deps.sidecar.write(deps.store, [{ key: indexKey, value: { faultIds: [...ids, fault.faultId] }, etag: index?.etag }]);
      }),
    );
  }

  router.post("/events/deadletter", async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const parsed = faultSchema.safeParse(body["data"]);
    // Our subscribers publish faults with the reason; what Dapr itself dead-letters after its
    // retries arrives as the original CloudEvent, which we wrap.
    const fault: Fault = parsed.success
      ? parsed.data
      : {
          faultId: randomUUID(),
          kind: "handler",
          reason: "Dapr dead-lettered the delivery after its retries (the subscriber's log has the errors)",
          subscriber: "",
          route: "",
          topic: typeof body["topic"] === "string" ? body["topic"] : "",
          attempts: 1,
          failedAt: new Date().toISOString(),
          region: deps.region,
          cloudEvent: body,
        };
    await save({ ...fault, status: "open" });
    deps.log.warn("fault recorded", { faultId: fault.faultId, kind: fault.kind, reason: fault.reason, subscriber: fault.subscriber });
    res.json({ status: "SUCCESS" });
  });

  router.get("/dead-letters", async (_req, res) => {
    const index = await deps.sidecar.get<FaultIndex>(deps.store, indexKey);
    const found = await deps.sidecar.getMany<StoredFault>(deps.store, (index?.value.faultIds ?? []).map(faultKey));
    const faults = [...found.values()].map((v) => v.value).sort((a, b) => b.failedAt.localeCompare(a.failedAt));
    res.json({ region: deps.region, faults });
  });

  router.post("/dead-letters/:faultId/redrive", async (req, res) => {
    const id = z.uuid().safeParse(req.params["faultId"]);
    if (!id.success) throw notFound(`no fault ${req.params["faultId"]}`);
    const found = await deps.sidecar.get<StoredFault>(deps.store, faultKey(id.data));
    if (!found) throw notFound(`no fault ${id.data}`);
    const fault = found.value;
    if (!fault.subscriber) throw conflict(`fault ${fault.faultId} does not say which subscriber failed it; republish it by hand`);
    const answer = await deps.sidecar.invoke<{ status?: string }>(
      fault.subscriber,
      fault.route.replace(/^\//, ""),
      HttpMethod.POST,
      fault.cloudEvent,
    );
    if (answer?.status !== "SUCCESS")
      throw conflict(`${fault.subscriber} did not accept the event again (${answer?.status ?? "no answer"})`);
    await deps.sidecar.write(deps.store, [
      { key: faultKey(fault.faultId), value: { ...fault, status: "redriven", redrivenAt: new Date().toISOString() }, etag: found.etag },
    ]);
    res.json({ faultId: fault.faultId, status: "redriven", subscriber: fault.subscriber });
  });

  return router;
}
