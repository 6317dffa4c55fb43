import type { Sidecar, Write } from "../../services/shared/dapr/sidecar.js";
import type { EventRecord } from "../../services/shared/events/envelope.js";
import type { RedisLikeStore } from "./redis-like-store.js";

/**
 * One replica's sidecar over the region's in-memory store: each function queued in `interpose`
 * runs right before one of its store writes, after its read (where another replica's write gets
 * in between), and what it publishes is collected in `published`. The outbox's projection is
 * what Dapr publishes, not a second value of the key, so it is not stored.
 */
export function interposedSidecar(
  store: RedisLikeStore,
  published: EventRecord[],
): { sidecar: Sidecar; interpose: (() => Promise<unknown>)[] } {
  const base = store.sidecar(0);
  const interpose: (() => Promise<unknown>)[] = [];
  const sidecar = {
    ...(base as unknown as Record<string, unknown>),
    write: async (name: string, writes: readonly Write[]) => {
      await interpose.shift()?.();
      await base.write(
        name,
        writes.filter((w) => w.metadata?.["outbox.projection"] !== "true"),
      );
    },
    publish: (_pubsub: string, _topic: string, cloudEvent: { data: EventRecord }) => Promise.resolve(void published.push(cloudEvent.data)),
  } as unknown as Sidecar;
  return { sidecar, interpose };
}
