import { randomUUID } from "node:crypto";
import { ROOT_CONTEXT, context, propagation } from "@opentelemetry/api";
import type { RequestHandler, Router } from "express";
import { type SubscriberAppId, components, deadLetterTopicOf, deliveryRetry } from "../../../platform/topology.js";
import { ContractError, checkEvent } from "../events/contracts.js";
import type { EventRecord } from "../events/envelope.js";
import type { Fault } from "../events/fault.js";
import type { EventMetrics } from "../events/metrics.js";
import { type Logger, errorFields } from "../log.js";
import type { Sidecar } from "./sidecar.js";
import type { Outcome } from "../application/outcome.js";

export type { Outcome } from "../application/outcome.js";

export interface SubscriberOptions {
  readonly app: SubscriberAppId;
  readonly region: string;
  readonly topic: string;
  readonly route: string;
  readonly sidecar: Sidecar;
  readonly log: Logger;
  readonly metrics: EventMetrics;
  readonly handle: (event: EventRecord) => Promise<Outcome>;
  /**
   * Act only on events that originated in this region. Replicated events reach every local
   * subscriber of their topic; side effects (reserving, charging) belong to the home region.
   */
  readonly localOnly?: boolean;
  /** Never give up on a failing delivery (replication: a replica must not skip an event). */
  readonly retryForever?: boolean;
}

/** What every subscriber of a service shares. */
export type SubscriberDeps = Pick<SubscriberOptions, "region" | "sidecar" | "log" | "metrics">;

/** Attempts Dapr makes before dead-lettering: the first plus the Resiliency policy's retries. */
const maxAttempts = deliveryRetry.maxRetries + 1;

/**
 * Marks a delivery handed back by the dead-letter redriver (through service invocation). Such a
 * delivery is never dead-lettered again: the redriver keeps the fault and its own backoff.
 */
export const redriveHeader = "x-meridian-redrive";

/**
 * Turns a Dapr delivery into a checked, upcast event for `handle`, and decides its fate:
 * - contract violations are not retried: a fault event with the reason goes to the dead-letter
 *   topic at once;
 * - handler errors are answered 500 so Dapr retries (Resiliency policy); the last attempt
 *   publishes the fault with the error instead. Should the count be lost (a restart), Dapr
 *   still dead-letters the raw event after its retries.
 */
export function subscriber(opts: SubscriberOptions): RequestHandler {
  const attempts = new Map<string, number>();

  async function deadLetter(
    cloudEvent: Record<string, unknown>,
    kind: Fault["kind"],
    reason: string,
    tries: number,
    event?: EventRecord,
  ): Promise<void> {
    const fault: Fault = {
      faultId: randomUUID(),
      kind,
      reason,
      subscriber: opts.app,
      route: opts.route,
      topic: opts.topic,
      attempts: tries,
      failedAt: new Date().toISOString(),
      region: opts.region,
      cloudEvent,
    };
    await opts.sidecar.publish(components.pubsub, deadLetterTopicOf(opts.app), fault);
    opts.metrics.deadLetters.inc({ topic: opts.topic, kind });
    // The domain id and subject (the order) when known: a fault can then be followed by order id.
    opts.log.warn("dead-lettered", {
      faultId: fault.faultId,
      kind,
      reason,
      ceId: cloudEvent["id"],
      topic: opts.topic,
      ...(event ? { eventId: event.id, subject: event.subject, type: event.type } : {}),
    });
  }

  /**
   * A redrive closes its fault as soon as this answers SUCCESS, whatever the handler did. One that
   * changed nothing (the effect was recorded earlier, or the event is not this app's business) is
   * logged at warn, with the order it is about: if that effect was never announced, this line is
   * the last trace of the event (the services run at LOG_LEVEL=warn in the chaos suite).
   */
  function logRedrive(event: EventRecord, outcome: Outcome): void {
    const fields = { eventId: event.id, subject: event.subject, type: event.type, topic: opts.topic, outcome };
    if (outcome === "applied") opts.log.info("redriven delivery applied", fields);
    else opts.log.warn("redriven delivery changed nothing; its fault closes", fields);
  }

  /** The fate of one delivered CloudEvent: SUCCESS (done, or dead-lettered by us) or RETRY (Dapr redelivers). */
  async function deliver(cloudEvent: Record<string, unknown>, redriven = false): Promise<Verdict> {
    let event: EventRecord;
    try {
      event = checkEvent(cloudEvent["data"]);
    } catch (err) {
      if (!(err instanceof ContractError)) throw err;
      await deadLetter(cloudEvent, "contract", err.message, 1);
      opts.metrics.consumed.inc({ topic: opts.topic, type: "invalid", outcome: "dead_lettered" });
      return "SUCCESS";
    }
    const end = opts.metrics.handlerDuration.startTimer({ topic: opts.topic, type: event.type });
    try {
      const outcome = opts.localOnly && event.originRegion !== opts.region ? "ignored" : await opts.handle(event);
      attempts.delete(event.id);
      opts.metrics.consumed.inc({ topic: opts.topic, type: event.type, outcome });
      if (outcome === "duplicate") opts.metrics.duplicates.inc({ type: event.type });
      if (redriven) logRedrive(event, outcome);
      return "SUCCESS";
    } catch (err) {
      const tries = (attempts.get(event.id) ?? 0) + 1;
      if (tries >= maxAttempts && !opts.retryForever && !redriven) {
        attempts.delete(event.id);
        await deadLetter(cloudEvent, "handler", err instanceof Error ? err.message : String(err), tries, event);
        opts.metrics.consumed.inc({ topic: opts.topic, type: event.type, outcome: "dead_lettered" });
        return "SUCCESS";
      }
      if (!redriven) attempts.set(event.id, tries);
      opts.metrics.consumed.inc({ topic: opts.topic, type: event.type, outcome: "retry" });
      opts.log.warn("delivery failed, will retry", { ...errorFields(err), eventId: event.id, type: event.type, attempt: tries });
      return "RETRY";
    } finally {
      end();
    }
  }

  return async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (Array.isArray(body["entries"])) {
      // Bulk delivery: one request carries many events. Each is handled on its own (in the trace
      // its CloudEvent carries) and gets its own verdict; Dapr retries only the entries that ask.
      const entries = body["entries"] as BulkEntry[];
      const statuses = await Promise.all(
        entries.map(async (entry) => {
          const cloudEvent = entryEvent(entry);
          const status = await context.with(propagation.extract(ROOT_CONTEXT, cloudEvent), () =>
            deliver(cloudEvent).catch((err: unknown) => {
              // Dapr retries the entry; the reason must still reach the log.
              opts.log.error("bulk entry failed", { ...errorFields(err), entryId: entry.entryId, topic: opts.topic });
              return "RETRY" as const;
            }),
          );
          return { entryId: entry.entryId, status };
        }),
      );
      res.json({ statuses });
      return;
    }
    const verdict = await deliver(body, req.headers[redriveHeader] === "1");
    res.status(verdict === "SUCCESS" ? 200 : 500).json({ status: verdict });
  };
}

type Verdict = "SUCCESS" | "RETRY";

interface BulkEntry {
  readonly entryId: string;
  /** The CloudEvent, as an object (or its JSON text). */
  readonly event: unknown;
}

function entryEvent(entry: BulkEntry): Record<string, unknown> {
  const event = typeof entry.event === "string" ? (JSON.parse(entry.event) as unknown) : entry.event;
  return event && typeof event === "object" ? (event as Record<string, unknown>) : {};
}

/** Mounts a subscriber per topic at `/events/<topic>`: the routes the declarative subscriptions name. */
export function subscribeTopics(
  router: Router,
  common: Omit<SubscriberOptions, "topic" | "route" | "handle">,
  handlers: Readonly<Record<string, (event: EventRecord) => Promise<Outcome>>>,
): void {
  for (const [topic, handle] of Object.entries(handlers)) {
    const route = `/events/${topic}`;
    router.post(route, subscriber({ ...common, topic, route, handle }));
  }
}
