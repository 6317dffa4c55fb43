import { randomUUID } from "node:crypto";
import type { EventContext, EventRecord } from "../events/envelope.js";

/** Where a handler runs: injected, so decisions and tests control time. */
export interface HandlerEnv {
  readonly region: string;
  readonly clock: () => Date;
}

/** What a new event decided for a command (no cause) or in reaction to `cause` carries along. */
export type Trigger = { readonly command: string } | { readonly cause: EventRecord };

/** The event context a decision gets: correlation from the command or the causing event. */
export function contextFor(env: HandlerEnv, trigger: Trigger): EventContext {
  const base = { region: env.region, now: env.clock(), newId: randomUUID };
  return "cause" in trigger
    ? { ...base, correlationId: trigger.cause.correlationId, causationId: trigger.cause.id }
    : { ...base, correlationId: trigger.command, causationId: null };
}
