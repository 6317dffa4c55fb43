import { randomUUID } from "node:crypto";
import { Router } from "express";
import { Gauge, type Registry } from "prom-client";
import { z } from "zod";
import { deadLetterRedrive, deadLetterTopicOf, deadLetteringApps, subscriberOfDeadLetterTopic } from "../../platform/topology.js";
import { retryOnConflict } from "../shared/application/retry.js";
import type { Sidecar } from "../shared/dapr/sidecar.js";
import { HttpMethod } from "../shared/dapr/sidecar.js";
import { redriveHeader } from "../shared/dapr/subscriber.js";
import { ConcurrencyError } from "../shared/errors.js";
import { type ReceivedFault, faultSchema } from "../shared/events/fault.js";
import { HttpProblem, conflict, notFound } from "../shared/http/problem.js";
import { problemTypes } from "../shared/http/problem-types.js";
import { KeyedLock } from "../shared/keyed-lock.js";
import { type Logger, errorFields } from "../shared/log.js";
import { type EventLake, invokedEventLake } from "./event-lake.js";
import {
  type Refusal,
  type RefusalCode,
  type RedriveTarget,
  checkAgainstLake,
  redriveTarget,
  subscriberMismatch,
} from "./redrive-policy.js";

/** Values of the gauge's auto_redrive label (the alerts in observability/ name them too). */
const autoRedriveStates = { scheduled: "scheduled", manual: "manual" } as const;

/** Faults recorded before faults were bound to their dead-letter topic lack `deadLetterTopic` (see redriveTarget). */
export interface StoredFault extends Omit<ReceivedFault, "deadLetterTopic"> {
  readonly deadLetterTopic?: string;
  readonly status: "open" | "redriven";
  readonly redrivenAt?: string;
  /** Automatic redrive: when next, how often tried; absent when it is not redriven automatically. */
  readonly autoRedrive?: { readonly attempts: number; readonly nextAt: string; readonly lastError?: string; readonly gaveUp?: boolean };
  /** Why it may never be redriven (redrive-policy.ts), once that was found: at intake, or by a redrive. */
  readonly refusal?: { readonly code: RefusalCode; readonly reason: string };
}

/**
 * A redrive the policy refused (redrive-policy.ts): nothing was invoked. Answered 409 with the
 * refusal's code and whether it is final; the redriver gives up at once on a final one.
 */
export class RedriveRefused extends HttpProblem {
  override name = "RedriveRefused";
  constructor(
    readonly refusal: Refusal,
    faultId: string,
  ) {
    const t = problemTypes.conflict;
    super(t.status, t.title, refusal.reason, { faultId, refusal: refusal.code, final: refusal.final }, {}, t.type);
  }
}

interface FaultIndex {
  readonly faultIds: string[];
}

/** Every fault ever recorded, and the ones the redriver still works on. */
const allKey = "faults";
const scheduledKey = "faults-scheduled";
const faultKey = (id: string) => `fault-${id}`;

export interface DeadLetterDeps {
  readonly sidecar: Sidecar;
  readonly store: string;
  readonly region: string;
  readonly log: Logger;
  /** Vouches for the events handed back; the region's lake through the replicator when not given. */
  readonly lake?: EventLake;
}

/**
 * The dead-letter topics as a read model: every fault is kept with its reason and the subscriber
 * that failed it, can be listed, and is redriven by handing the original CloudEvent back to that
 * subscriber (all handlers are idempotent, so a redrive of something already applied changes
 * nothing). Faults of failing handlers are redriven automatically with backoff; contract
 * violations wait for an operator, since the same bytes would fail the same way.
 */
export class DeadLetters {
  private readonly lock = new KeyedLock();
  private readonly lake: EventLake;

  constructor(private readonly deps: DeadLetterDeps) {
    this.lake = deps.lake ?? invokedEventLake(deps.sidecar);
  }

  /**
   * Stores a fault once, and adds it to the indexes (one key each, so writers queue for them). A
   * fault delivered again leaves what is recorded as it is (it may have been redriven since). A
   * fault that reuses the id of another subscriber's fault is recorded under an id of its own:
   * one app's dead-letter topic must not overwrite, and so hide, another app's fault.
   */
  async record(fault: ReceivedFault, now = new Date()): Promise<StoredFault> {
    // Contract faults are not redriven automatically: the same bytes would fail the same way (and
    // a fault refused at intake is never redriven at all).
    const scheduled = fault.kind === "handler" && fault.declaredSubscriber === undefined;
    const mismatch =
      fault.declaredSubscriber === undefined ? undefined : subscriberMismatch(fault.declaredSubscriber, fault.deadLetterTopic);
    const stored: StoredFault = {
      ...fault,
      status: "open",
      ...(scheduled
        ? { autoRedrive: { attempts: 0, nextAt: new Date(now.getTime() + deadLetterRedrive.firstDelayMs).toISOString() } }
        : {}),
      ...(mismatch ? { refusal: { code: mismatch.code, reason: mismatch.reason } } : {}),
    };
    try {
      await this.deps.sidecar.create(this.deps.store, faultKey(fault.faultId), stored);
    } catch (err) {
      if (!(err instanceof ConcurrencyError)) throw err;
      const existing = await this.get(fault.faultId);
      if (!existing) throw err;
      if (existing.value.subscriber !== fault.subscriber)
        return this.record(
          {
            ...fault,
            faultId: randomUUID(),
            reason: `${fault.reason} (arrived under fault id ${fault.faultId}, which another subscriber's fault has)`,
          },
          now,
        );
      await this.index(existing.value);
      return existing.value;
    }
    await this.index(stored);
    return stored;
  }

  private async index(fault: StoredFault): Promise<void> {
    await this.addTo(allKey, fault.faultId);
    if (fault.status === "open" && fault.autoRedrive && !fault.autoRedrive.gaveUp) await this.addTo(scheduledKey, fault.faultId);
  }

  async list(): Promise<StoredFault[]> {
    return this.read(allKey);
  }

  /** Faults the redriver still works on. */
  async scheduled(): Promise<StoredFault[]> {
    return this.read(scheduledKey);
  }

  async get(faultId: string): Promise<{ value: StoredFault; etag: string } | undefined> {
    return this.deps.sidecar.get<StoredFault>(this.deps.store, faultKey(faultId));
  }

  /**
   * Hands the event back to its subscriber, once redrive-policy.ts allows it: to one of the
   * subscriber's own subscription routes, with an event the lake vouches for. Resolves when the
   * subscriber accepted it; throws when it did not (a 4xx or 503 problem), leaving the fault open,
   * or when the policy refused (RedriveRefused, nothing invoked; a final refusal is recorded on the
   * fault and ends its automatic redrive).
   */
  async redrive(fault: StoredFault, etag: string, now = new Date()): Promise<void> {
    const target = await this.authorised(fault, etag, now);
    const answer = await this.deps.sidecar.invoke<{ status?: string }>(
      target.app,
      target.subscription.route.replace(/^\//, ""),
      HttpMethod.POST,
      target.cloudEvent,
      { [redriveHeader]: "1" },
    );
    if (answer?.status !== "SUCCESS")
      throw conflict(`${fault.subscriber} did not accept the event again (${answer?.status ?? "no answer"})`);
    const { autoRedrive: _done, ...rest } = fault;
    await this.deps.sidecar.write(this.deps.store, [
      { key: faultKey(fault.faultId), value: { ...rest, status: "redriven", redrivenAt: now.toISOString() }, etag },
    ]);
    await this.removeFrom(scheduledKey, fault.faultId);
  }

  /** Where the fault may be redriven to, or RedriveRefused. */
  private async authorised(fault: StoredFault, etag: string, now: Date): Promise<RedriveTarget> {
    const decided = redriveTarget(fault);
    if ("refusal" in decided) return this.refuse(fault, etag, decided.refusal, now);
    const refusal = await this.vouch(decided.target);
    return refusal ? this.refuse(fault, etag, refusal, now) : decided.target;
  }

  private async refuse(fault: StoredFault, etag: string, refusal: Refusal, now: Date): Promise<never> {
    if (refusal.final) await this.recordRefusal(fault, etag, refusal, now);
    throw new RedriveRefused(refusal, fault.faultId);
  }

  /** The lake's word on the event, where the policy asks for it. */
  private async vouch(target: RedriveTarget): Promise<Refusal | undefined> {
    if (!target.lake.required) return undefined;
    return checkAgainstLake(target.event, await this.lake.candidates(target.event), target.lake.topic);
  }

  /** A final refusal: kept on the fault for the operator, and the redriver stops trying it. */
  private async recordRefusal(fault: StoredFault, etag: string, refusal: Refusal, now: Date): Promise<void> {
    const next: StoredFault = {
      ...fault,
      refusal: { code: refusal.code, reason: refusal.reason },
      ...(fault.autoRedrive
        ? {
            autoRedrive: {
              attempts: fault.autoRedrive.attempts + 1,
              nextAt: now.toISOString(),
              lastError: `refused: ${refusal.reason}`.slice(0, 500),
              gaveUp: true,
            },
          }
        : {}),
    };
    await this.deps.sidecar.write(this.deps.store, [{ key: faultKey(fault.faultId), value: next, etag }]);
    await this.removeFrom(scheduledKey, fault.faultId);
  }

  /** After a failed automatic redrive: the next try, further away each time, until giving up. */
  async reschedule(fault: StoredFault, etag: string, error: string, now = new Date()): Promise<StoredFault> {
    const attempts = (fault.autoRedrive?.attempts ?? 0) + 1;
    const delay = Math.min(deadLetterRedrive.maxDelayMs, deadLetterRedrive.firstDelayMs * 2 ** attempts);
    const gaveUp = now.getTime() - Date.parse(fault.failedAt) >= deadLetterRedrive.giveUpAfterMs;
    const next: StoredFault = {
      ...fault,
      autoRedrive: {
        attempts,
        nextAt: new Date(now.getTime() + delay).toISOString(),
        lastError: error.slice(0, 500),
        ...(gaveUp ? { gaveUp } : {}),
      },
    };
    await this.deps.sidecar.write(this.deps.store, [{ key: faultKey(fault.faultId), value: next, etag }]);
    if (gaveUp) await this.removeFrom(scheduledKey, fault.faultId);
    return next;
  }

  private async read(indexKey: string): Promise<StoredFault[]> {
    const index = await this.deps.sidecar.get<FaultIndex>(this.deps.store, indexKey);
    const found = await this.deps.sidecar.getMany<StoredFault>(this.deps.store, (index?.value.faultIds ?? []).map(faultKey));
    return [...found.values()].map((v) => v.value).sort((a, b) => b.failedAt.localeCompare(a.failedAt));
  }

  private addTo(indexKey: string, faultId: string): Promise<void> {
    return this.changeIndex(indexKey, (ids) => (ids.includes(faultId) ? undefined : [...ids, faultId]));
  }

  private removeFrom(indexKey: string, faultId: string): Promise<void> {
    return this.changeIndex(indexKey, (ids) => (ids.includes(faultId) ? ids.filter((id) => id !== faultId) : undefined));
  }

  private changeIndex(indexKey: string, change: (ids: string[]) => string[] | undefined): Promise<void> {
    return this.lock.run(indexKey, () =>
      retryOnConflict(async () => {
        const index = await this.deps.sidecar.get<FaultIndex>(this.deps.store, indexKey);
        const next = change(index?.value.faultIds ?? []);
        if (!next) return;
        // Created when absent, atomically on every store: two replicas' first faults conflict
        // (and retry) instead of one overwriting the other.
        if (!index) return this.deps.sidecar.create(this.deps.store, indexKey, { faultIds: next });
        await this.deps.sidecar.write(this.deps.store, [{ key: indexKey, value: { faultIds: next }, etag: index.etag }]);
      }),
    );
  }
}

/**
 * What a dead-letter topic delivers, as a fault of the app whose dead-letter topic it is (never
 * the app its body names: see ReceivedFault): our subscribers publish faults with the reason; what
 * Dapr itself dead-lettered after its retries (the app was down or kept failing) arrives as the
 * original CloudEvent, whose `topic` says where it came from. A fault naming another subscriber is
 * recorded as a contract fault with the mismatch as its reason, and is never redriven.
 */
export function faultFrom(body: Record<string, unknown>, deadLetterTopic: string, region: string, now = new Date()): ReceivedFault {
  const subscriber = subscriberOfDeadLetterTopic(deadLetterTopic);
  if (subscriber === undefined) throw new Error(`${deadLetterTopic} is no app's dead-letter topic`);
  const parsed = faultSchema.safeParse(body["data"]);
  if (parsed.success) {
    const declared = parsed.data;
    const mismatch = subscriberMismatch(declared.subscriber, deadLetterTopic);
    if (!mismatch) return { ...declared, subscriber, deadLetterTopic };
    return {
      ...declared,
      kind: "contract",
      reason: `${mismatch.reason} (the fault's own reason: ${declared.reason})`.slice(0, 2000),
      subscriber,
      deadLetterTopic,
      declaredSubscriber: declared.subscriber,
    };
  }
  const topic = typeof body["topic"] === "string" ? body["topic"] : "";
  return {
    faultId: randomUUID(),
    kind: "handler",
    reason: `Dapr dead-lettered the delivery after its retries (${subscriber} was unreachable or kept failing; its log has the errors)`,
    subscriber,
    route: `/events/${topic}`,
    topic,
    attempts: 1,
    failedAt: now.toISOString(),
    region,
    cloudEvent: body,
    deadLetterTopic,
  };
}

export function deadLetterRoutes(deps: { readonly region: string; readonly log: Logger; readonly deadLetters: DeadLetters }): Router {
  const router = Router();

  for (const app of deadLetteringApps) {
    const deadLetterTopic = deadLetterTopicOf(app);
    router.post(`/events/${deadLetterTopic}`, async (req, res) => {
      const fault = await deps.deadLetters.record(faultFrom((req.body ?? {}) as Record<string, unknown>, deadLetterTopic, deps.region));
      const fields = { faultId: fault.faultId, kind: fault.kind, reason: fault.reason, subscriber: fault.subscriber, deadLetterTopic };
      if (fault.refusal) deps.log.error("fault refused: it names another subscriber than its dead-letter topic's", fields);
      else deps.log.warn("fault recorded", fields);
      res.json({ status: "SUCCESS" });
    });
  }

  router.get("/dead-letters", async (_req, res) => {
    res.json({ region: deps.region, faults: await deps.deadLetters.list() });
  });

  router.post("/dead-letters/:faultId/redrive", async (req, res) => {
    const id = z.uuid().safeParse(req.params["faultId"]);
    if (!id.success) throw notFound(`no fault ${req.params["faultId"]}`);
    const found = await deps.deadLetters.get(id.data);
    if (!found) throw notFound(`no fault ${id.data}`);
    await deps.deadLetters.redrive(found.value, found.etag);
    res.json({ faultId: found.value.faultId, status: "redriven", subscriber: found.value.subscriber });
  });

  return router;
}

/**
 * Hands due faults back to their subscribers every few seconds, and publishes how many are open
 * per subscriber (`meridian_dead_letters_open`, which the open-dead-letters alert watches). Returns stop.
 */
export function startRedriver(
  deadLetters: DeadLetters,
  registry: Registry,
  log: Logger,
  /** One replica at a time redrives (see backgroundTurns); every replica publishes the gauge. */
  turn: (work: () => Promise<void>) => Promise<void> = (work) => work(),
): { stop(): void } {
  const open = openFaultsGauge(registry);
  let running = false;
  let ticks = 0;
  const tick = async (): Promise<void> => {
    if (running) return;
    running = true;
    ticks++;
    try {
      await turn(async () => {
        const now = new Date();
        // A subscriber that took one redrive is back: its other faults go at once instead of
        // waiting out a backoff that grew while it was down. Earliest due first, so the one
        // that proves it comes before the ones it pulls forward.
        const answered = new Set<string>();
        const due = (f: StoredFault): boolean => answered.has(f.subscriber) || Date.parse(f.autoRedrive?.nextAt ?? "") <= now.getTime();
        const scheduled = (await deadLetters.scheduled()).sort(
          (a, b) => Date.parse(a.autoRedrive?.nextAt ?? "") - Date.parse(b.autoRedrive?.nextAt ?? ""),
        );
        for (const fault of scheduled) {
          if (fault.status !== "open" || !fault.autoRedrive || !due(fault)) continue;
          const current = await deadLetters.get(fault.faultId);
          if (!current || current.value.status !== "open") continue;
          try {
            await deadLetters.redrive(current.value, current.etag, now);
            answered.add(fault.subscriber);
            log.info("dead letter redriven", {
              faultId: fault.faultId,
              subscriber: fault.subscriber,
              attempts: fault.autoRedrive.attempts + 1,
            });
          } catch (err) {
            if (err instanceof RedriveRefused && err.refusal.final) {
              // Recorded on the fault by redrive: never invoked, and never tried again.
              log.error("dead letter redrive refused; an operator must look", {
                faultId: fault.faultId,
                subscriber: fault.subscriber,
                refusal: err.refusal.code,
                reason: err.refusal.reason,
              });
              continue;
            }
            const next = await deadLetters.reschedule(current.value, current.etag, errorFields(err)["error"] as string, now);
            if (next.autoRedrive?.gaveUp) log.error("dead letter redrive gave up; an operator must look", { faultId: fault.faultId });
          }
        }
      });
      // Every fault ever recorded is read for the gauge: not on every pass.
      if (ticks % 5 !== 1) return;
      const counts = new Map<string, number>();
      for (const f of await deadLetters.list()) {
        if (f.status !== "open") continue;
        const state = f.autoRedrive && !f.autoRedrive.gaveUp ? autoRedriveStates.scheduled : autoRedriveStates.manual;
        const key = `${f.subscriber}\n${state}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      open.reset();
      for (const [key, n] of counts) {
        const [subscriber = "", autoRedrive = ""] = key.split("\n");
        open.set({ subscriber, auto_redrive: autoRedrive }, n);
      }
    } catch (err) {
      log.warn("dead-letter redriver pass failed; next pass retries", errorFields(err));
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void tick(), deadLetterRedrive.scanEveryMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

/** Faults not yet redriven, per subscriber and whether the redriver still tries them. */
export function openFaultsGauge(registry: Registry): Gauge<"subscriber" | "auto_redrive"> {
  return new Gauge({
    name: "meridian_dead_letters_open",
    help: "Faults not yet redriven, per subscriber; auto_redrive says whether the redriver still tries them (scheduled) or an operator must (manual).",
    labelNames: ["subscriber", "auto_redrive"] as const,
    registers: [registry],
  });
}
