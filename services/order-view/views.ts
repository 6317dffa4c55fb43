import { retryOnConflict } from "../shared/application/retry.js";
import type { Sidecar, Versioned } from "../shared/dapr/sidecar.js";
import type { Lease } from "../shared/application/lease.js";
import type { OrderState } from "../shared/orders/order-state.js";

interface CustomerIndex {
  readonly orderIds: string[];
}

/**
 * An order as this region's read model shows it, with when the view last changed here
 * (`projectedAt`): how stale a view is, and when a change became visible to readers in this region
 * (the benchmark's end-to-end and replication figures come from it).
 */
export type OrderView = OrderState & { readonly projectedAt?: string };

/** A rebuild of the read model, as any replica reports it. */
export interface RebuildStatus {
  readonly status: "idle" | "running" | "done" | "failed" | "abandoned";
  readonly startedAt?: string;
  /** Written by the running rebuild at least every rebuildHeartbeatMs. */
  readonly heartbeatAt?: string;
  readonly finishedAt?: string;
  readonly orders?: number;
  readonly customers?: number;
  readonly error?: string;
}

export const rebuildHeartbeatMs = 5_000;
const rebuildKey = "rebuild-status";

/** The read model in the Dapr state store: one view per order, one index per customer. */
export class Views {
  constructor(
    private readonly sidecar: Sidecar,
    private readonly store: string,
    /**
     * The writers' lease (see application.ts), also for the customer indexes: an index is first
     * written without an ETag, and a Redis transaction writes over a key that appeared since it was
     * read, so two replicas indexing a customer's first orders would keep only one of them.
     */
    private readonly lease: Lease,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** The key of an order's view: what a writer of it leases. */
  static keyOf(orderId: string): string {
    return `order-${orderId}`;
  }

  get(orderId: string): Promise<Versioned<OrderView> | undefined> {
    return this.sidecar.get<OrderView>(this.store, Views.keyOf(orderId));
  }

  async put(next: OrderState, prior: Versioned<OrderView> | undefined): Promise<void> {
    const view: OrderView = { ...next, projectedAt: this.clock().toISOString() };
    await this.sidecar.write(this.store, [{ key: Views.keyOf(next.orderId), value: view, etag: prior?.etag }]);
  }

  /** Adds an order to its customer's index; adding twice is a no-op, so redelivery is safe. */
  index(customerId: string, orderId: string): Promise<void> {
    const key = `customer-${customerId}`;
    // Orders of one customer are applied in parallel; they queue for the one index key.
    return this.lease.run([key], () =>
      retryOnConflict(async () => {
        const found = await this.sidecar.get<CustomerIndex>(this.store, key);
        if (found?.value.orderIds.includes(orderId)) return;
        await this.sidecar.write(this.store, [
          { key, value: { orderIds: [...(found?.value.orderIds ?? []), orderId] }, etag: found?.etag },
        ]);
      }),
    );
  }

  /** Replaces a customer's index outright (a rebuild knows the whole list). */
  async setIndex(customerId: string, orderIds: readonly string[]): Promise<void> {
    await this.sidecar.write(this.store, [{ key: `customer-${customerId}`, value: { orderIds: [...orderIds] }, overwrite: true }]);
  }

  async rebuildStatus(): Promise<RebuildStatus & { etag?: string }> {
    const found = await this.sidecar.get<RebuildStatus>(this.store, rebuildKey);
    return found ? { ...found.value, etag: found.etag } : { status: "idle" };
  }

  /**
   * `guard` makes it first-write: only if the status is still the one read (its ETag, or none
   * when there was none); another replica's change in between is a ConcurrencyError. Without a
   * guard it is written outright (the running rebuild's own progress).
   */
  async setRebuildStatus(status: RebuildStatus, guard?: { etag: string | undefined }): Promise<void> {
    const write = guard ? { etag: guard.etag } : { overwrite: true };
    await this.sidecar.write(this.store, [{ key: rebuildKey, value: status, ...write }]);
  }

  async byCustomer(customerId: string): Promise<OrderView[]> {
    const index = await this.sidecar.get<CustomerIndex>(this.store, `customer-${customerId}`);
    if (!index || index.value.orderIds.length === 0) return [];
    const views = await this.sidecar.getMany<OrderView>(
      this.store,
      index.value.orderIds.map((id) => `order-${id}`),
    );
    return [...views.values()].map((v) => v.value).sort((a, b) => b.placedAt.localeCompare(a.placedAt));
  }
}
