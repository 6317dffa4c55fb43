import { z } from "zod";
import { apps } from "../../platform/topology.js";
import { HttpMethod, type Sidecar } from "../shared/dapr/sidecar.js";
import { DependencyError } from "../shared/errors.js";
import type { EventRecord } from "../shared/events/envelope.js";

/** The event lake as the redriver asks it: which archived events may be this one. */
export interface EventLake {
  /** Events the lake holds that could be `event` (among them any with its id), raw as archived. */
  candidates(event: EventRecord): Promise<readonly unknown[]>;
}

/**
 * Where to look an event up without reading more than needed. The lake indexes events by subject
 * and by minute of occurrence, not by id. An event about one order (its data names that order as
 * its subject) is found among that order's handful of events; any other (a SKU's stock level,
 * whose subject log grows with every order of that SKU, forever) among the events of its instant,
 * which the lake reads from that minute's log: bounded by the region's rate, not by history.
 */
export function lakeQueryFor(event: EventRecord): string {
  const aboutOrder = (event.data as { orderId?: unknown } | null)?.orderId === event.subject;
  if (aboutOrder) return `lake/subjects/${encodeURIComponent(event.subject)}`;
  const at = Date.parse(event.occurredAt);
  const range = new URLSearchParams({ from: new Date(at).toISOString(), to: new Date(at + 1).toISOString() });
  return `lake/events?${range.toString()}`;
}

const lakeAnswer = z.object({ events: z.array(z.unknown()) });

/**
 * The region's lake, through the replicator's replay routes (service invocation, the `lake` edge
 * of order-view in platform/topology.ts `invocations`). A lake that cannot be asked vouches for
 * nothing: a DependencyError whatever the lake answered (even its 4xx is not the operator's fault),
 * so the redrive waits (503 by hand, the next try automatically).
 */
export function invokedEventLake(sidecar: Sidecar): EventLake {
  return {
    candidates: async (event) => {
      const query = lakeQueryFor(event);
      const raw = await sidecar.invoke<unknown>(apps.replicator, query, HttpMethod.GET).catch((err: unknown) => {
        throw new DependencyError(`the event lake could not be asked (${query}): ${err instanceof Error ? err.message : String(err)}`);
      });
      const answer = lakeAnswer.safeParse(raw);
      if (!answer.success) throw new DependencyError(`the event lake answered ${query} with something other than events`);
      return answer.data.events;
    },
  };
}
