import { retryOnConflict } from "../shared/application/retry.js";
import type { Sidecar, Versioned } from "../shared/dapr/sidecar.js";
import { KeyedLock } from "../shared/keyed-lock.js";
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
const viewKey = (orderId: string) => `order-${orderId}`;
const indexKey = (customerId: string) => `customer-${customerId}`;

/** A customer's index as read along with a view: `found` is undefined when it does not exist yet. */
export interface IndexRead {
  readonly customerId: string;
  readonly found: Versioned<CustomerIndex> | undefined;
}

/** The read model in the Dapr state store: one view per order, one index per customer. */
export class Views {
  private readonly lock = new KeyedLock();

  constructor(
    private readonly sidecar: Sidecar,
    private readonly store: string,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  get(orderId: string): Promise<Versioned<OrderView> | undefined> {
    return this.sidecar.get<OrderView>(this.store, viewKey(orderId));
  }

  /**
   * An order's view and, when `customerId` is given, that customer's index, in one bulk read: an
   * order's first event needs both, and one round trip to the sidecar costs less than two.
   */
  async getWithIndex(orderId: string, customerId: string | undefined): Promise<{ view?: Versioned<OrderView>; index?: IndexRead }> {
    if (customerId === undefined) return { view: await this.get(orderId) };
    const found = await this.sidecar.getMany<unknown>(this.store, [viewKey(orderId), indexKey(customerId)]);
    return {
      view: found.get(viewKey(orderId)) as Versioned<OrderView> | undefined,
      index: { customerId, found: found.get(indexKey(customerId)) as Versioned<CustomerIndex> | undefined },
    };
  }

  async put(next: OrderState, prior: Versioned<OrderView> | undefined): Promise<void> {
    const view: OrderView = { ...next, projectedAt: this.clock().toISOString() };
    const key = viewKey(next.orderId);
    // An order's first view is created, atomically on every store: another replica's view of it
    // written since `prior` was read is a conflict (Dapr redelivers), never overwritten.
    if (!prior) return this.sidecar.create(this.store, key, view);
    await this.sidecar.write(this.store, [{ key, value: view, etag: prior.etag }]);
  }

  /**
   * Adds an order to its customer's index; adding twice is a no-op, so redelivery is safe. `read`
   * is the index as read with the view (getWithIndex), used for the first attempt; another
   * writer's change since then is a conflict, and the retry reads the index again.
   */
  index(customerId: string, orderId: string, read?: IndexRead): Promise<void> {
    const key = indexKey(customerId);
    let prefetched = read?.customerId === customerId ? read : undefined;
    // Orders of one customer are applied in parallel; they queue for the one index key.
    return this.lock.run(key, () =>
      retryOnConflict(async () => {
        const found = prefetched ? prefetched.found : await this.sidecar.get<CustomerIndex>(this.store, key);
        prefetched = undefined;
        if (found?.value.orderIds.includes(orderId)) return;
        await this.save(key, { orderIds: [...(found?.value.orderIds ?? []), orderId] }, found);
      }),
    );
  }

  /** Replaces a customer's index (a rebuild knows the whole list). */
  setIndex(customerId: string, orderIds: readonly string[]): Promise<void> {
    const key = indexKey(customerId);
    return this.lock.run(key, () =>
      retryOnConflict(async () => this.save(key, { orderIds: [...orderIds] }, await this.sidecar.get<CustomerIndex>(this.store, key))),
    );
  }

  /**
   * An index is created when absent and otherwise written with the ETag read: atomic on every
   * store, so two replicas indexing a customer's first orders conflict (and retry) instead of one
   * overwriting the other. Never written outright: on Redis a created key takes only ETag writes.
   */
  private async save(key: string, index: CustomerIndex, found: Versioned<CustomerIndex> | undefined): Promise<void> {
    if (!found) return this.sidecar.create(this.store, key, index);
    await this.sidecar.write(this.store, [{ key, value: index, etag: found.etag }]);
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

  /**
   * One page of a customer's orders, newest listed first: `skip` ids from the newest, then up to
   * `limit`. The index only grows at its end, so a page's position stays put while orders arrive
   * (a new order shifts later pages by one: a client paging during a burst may see one twice).
   * A listing reads at most `limit` views, however many orders the customer has placed.
   */
  async byCustomer(customerId: string, page: { skip: number; limit: number }): Promise<{ orders: OrderView[]; more: boolean }> {
    const index = await this.sidecar.get<CustomerIndex>(this.store, indexKey(customerId));
    const ids = index?.value.orderIds ?? [];
    const end = Math.max(0, ids.length - page.skip);
    const pageIds = ids.slice(Math.max(0, end - page.limit), end);
    if (pageIds.length === 0) return { orders: [], more: false };
    const views = await this.sidecar.getMany<OrderView>(this.store, pageIds.map(viewKey));
    return {
      orders: [...views.values()].map((v) => v.value).sort((a, b) => b.placedAt.localeCompare(a.placedAt)),
      more: end - page.limit > 0,
    };
  }
}
