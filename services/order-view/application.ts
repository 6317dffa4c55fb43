/**
 * The read model's application: every order event is decided by `decide` (./projection.ts) and
 * written by `apply`; a rebuild replays every stream. The rebuild's status lives in the state
 * store, so any replica answers for a rebuild another replica runs.
 */
import type { Outcome } from "../shared/application/outcome.js";
import type { EventRecord } from "../shared/events/envelope.js";
import { orderEventTypes } from "../shared/events/order-events.js";
import type { KeyedLock } from "../shared/keyed-lock.js";
import { type Logger, errorFields } from "../shared/log.js";
import { bulkReadSize, chunks } from "../shared/orders/catalog-shards.js";
import { fold } from "../shared/orders/order-state.js";
import type { OrderStreams } from "./order-streams.js";
import { customerNamedBy, decide } from "./projection.js";
import { type RebuildStatus, rebuildHeartbeatMs, type Views } from "./views.js";

export interface ViewAppDeps {
  readonly views: Views;
  readonly streams: OrderStreams;
  readonly lock: KeyedLock;
  readonly log: Logger;
  readonly clock: () => Date;
}

const orderTypes: ReadonlySet<string> = new Set(Object.values(orderEventTypes));

export type ViewApp = ReturnType<typeof viewApplication>;

export function viewApplication(deps: ViewAppDeps) {
  async function apply(event: EventRecord): Promise<Outcome> {
    if (!orderTypes.has(event.type)) return "ignored";
    const orderId = event.subject;
    return deps.lock.run(orderId, async () => {
      const { view: current, index } = await deps.views.getWithIndex(orderId, customerNamedBy(event));
      const decision = decide(current?.value, event);
      if (decision.kind === "duplicate") return "duplicate";
      let next = decision.kind === "apply" ? decision.next : undefined;
      if (decision.kind === "gap") {
        // Events may overtake each other in the broker; the writer's stream is the truth.
        deps.log.info("view gap, rebuilding from the stream", { orderId, have: decision.have, got: decision.got });
        next = fold((await deps.streams.events(orderId)) ?? []);
      }
      if (!next) return "ignored";
      // A customer's index changes only when one of their orders first gets a view.
      if (!current) await deps.views.index(next.customerId, orderId, index);
      // A view written by another replica in between is an ETag conflict: Dapr redelivers.
      await deps.views.put(next, current);
      return "applied";
    });
  }

  /**
   * Rebuilds the read model by replaying every order's stream: each view becomes the fold of its
   * stream (never older than what it shows), and each customer index the exact list of that
   * customer's orders. `beat` records progress, so a rebuild whose replica died is seen as such.
   */
  async function rebuild(beat: () => Promise<void>): Promise<{ orders: number; customers: number }> {
    const byCustomer = new Map<string, string[]>();
    let orders = 0;
    // Streams in batches: one invocation per order made a replay of a few hundred orders on a
    // slow store take minutes.
    for (const batch of chunks(await deps.streams.all(), bulkReadSize)) {
      const streams = await deps.streams.eventsOf(batch);
      for (const orderId of batch) {
        const state = fold(streams.get(orderId) ?? []);
        if (!state) continue;
        await deps.lock.run(orderId, async () => {
          const current = await deps.views.get(orderId);
          if (!current || current.value.version <= state.version) await deps.views.put(state, current);
        });
        byCustomer.set(state.customerId, [...(byCustomer.get(state.customerId) ?? []), orderId]);
        orders++;
      }
      await beat();
    }
    for (const [customerId, orderIds] of byCustomer) await deps.views.setIndex(customerId, orderIds);
    return { orders, customers: byCustomer.size };
  }

  /** A running rebuild whose replica has not reported for a while died with it. */
  function current(status: RebuildStatus): RebuildStatus {
    const stale = status.status === "running" && deps.clock().getTime() - Date.parse(status.heartbeatAt ?? "") > 3 * rebuildHeartbeatMs;
    return stale ? { ...status, status: "abandoned" } : status;
  }

  return {
    apply,
    order: (orderId: string) => deps.views.get(orderId),
    byCustomer: (customerId: string, page: { skip: number; limit: number }) => deps.views.byCustomer(customerId, page),

    rebuildStatus: async (): Promise<RebuildStatus> => {
      const { etag: _etag, ...status } = await deps.views.rebuildStatus();
      return current(status);
    },

    /** Starts a rebuild unless one is running (on any replica); a rebuild outlives any request, so it is polled. */
    startRebuild: async (): Promise<RebuildStatus> => {
      const { etag, ...found } = await deps.views.rebuildStatus();
      if (current(found).status === "running") return found;
      const startedAt = deps.clock().toISOString();
      const running: RebuildStatus = { status: "running", startedAt, heartbeatAt: startedAt };
      // First write wins: of two replicas asked at once, one starts and the other reports it.
      await deps.views.setRebuildStatus(running, { etag });
      let lastBeat = Date.now();
      const beat = async (): Promise<void> => {
        if (Date.now() - lastBeat < rebuildHeartbeatMs) return;
        lastBeat = Date.now();
        await deps.views.setRebuildStatus({ ...running, heartbeatAt: deps.clock().toISOString() });
      };
      void rebuild(beat)
        .then(
          async (counts) => {
            await deps.views.setRebuildStatus({ status: "done", startedAt, finishedAt: deps.clock().toISOString(), ...counts });
            deps.log.info("read model rebuilt", counts);
          },
          async (err: unknown) => {
            deps.log.error("read model rebuild failed", errorFields(err));
            await deps.views.setRebuildStatus({
              status: "failed",
              startedAt,
              finishedAt: deps.clock().toISOString(),
              error: err instanceof Error ? err.message : String(err),
            });
          },
        )
        .catch((err: unknown) => deps.log.error("recording the rebuild's end failed", errorFields(err)));
      return running;
    },
  };
}
