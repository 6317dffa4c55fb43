import { PagedLog } from "../shared/application/paged-log.js";
import { retryOnConflict } from "../shared/application/retry.js";
import type { Sidecar, Versioned } from "../shared/dapr/sidecar.js";
import { KeyedLock } from "../shared/keyed-lock.js";
import type { OrderState } from "../shared/orders/order-state.js";

/**
 * Order ids per page of a customer's index. Placing an order rewrites the index's head, so this
 * bounds what it costs however many orders the customer has placed (one key holding every id made
 * each order of a busy customer cost more than the last).
 */
const indexPageSize = 256;

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

/**
 * A customer's index: the ids of the customer's orders as a paged log, its head `customer-<id>`
 * (`{ pages, orderIds }`; one written before it was paged is `{ orderIds }`, all open page) and
 * its sealed pages `customerpage-<n>-<id>`.
 */
const customerIndex = new PagedLog<string>("customer", indexPageSize, "orderIds");
const indexKey = (customerId: string) => customerIndex.headKey(customerId);

/** A customer's index head as read along with a view: `found` is undefined when it does not exist yet. */
export interface IndexRead {
  readonly customerId: string;
  readonly found: Versioned<unknown> | undefined;
}

/** The read model in the Dapr state store: one view per order, one paged index per customer. */
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
      index: { customerId, found: found.get(indexKey(customerId)) },
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
   * Adds an order to its customer's index; adding it again while it is in the open page is a
   * no-op, and one sealed since is listed twice, which `byCustomer` takes once, so redelivery is
   * safe. `read` is the head as read with the view (getWithIndex), used for the first attempt;
   * another writer's change since then is a conflict, and the retry reads the head again.
   */
  index(customerId: string, orderId: string, read?: IndexRead): Promise<void> {
    const key = indexKey(customerId);
    let prefetched = read?.customerId === customerId ? read : undefined;
    // Orders of one customer are applied in parallel; they queue for the one head.
    return this.lock.run(key, () =>
      retryOnConflict(async () => {
        const found = prefetched ? prefetched.found : await this.sidecar.get<unknown>(this.store, key);
        prefetched = undefined;
        if (customerIndex.openPage(found).includes(orderId)) return;
        // A head is created when absent and otherwise written with the ETag read: atomic on every
        // store, so two replicas indexing a customer's first orders conflict (and retry) instead
        // of one overwriting the other. Never written outright: on Redis a created key takes
        // only ETag writes.
        if (!found) return this.sidecar.create(this.store, key, customerIndex.initialHead([orderId]));
        await this.sidecar.write(this.store, customerIndex.append(customerId, found, [orderId]));
      }),
    );
  }

  /** Replaces a customer's index (a rebuild knows the whole list). */
  setIndex(customerId: string, orderIds: readonly string[]): Promise<void> {
    const key = indexKey(customerId);
    const { pages, head } = customerIndex.rewrite(customerId, orderIds);
    return this.lock.run(key, () =>
      retryOnConflict(async () => {
        const found = await this.sidecar.get<unknown>(this.store, key);
        if (found) return this.sidecar.write(this.store, [...pages, { key, value: head, etag: found.etag }]);
        // A new head is created (as in `index`), after the pages it counts: a head never counts
        // a page that is not there.
        if (pages.length > 0) await this.sidecar.write(this.store, pages);
        await this.sidecar.create(this.store, key, head);
      }),
    );
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
    const orderIds = [...new Set(await customerIndex.read(this.sidecar, this.store, [customerId]))];
    if (orderIds.length === 0) return [];
    const views = await this.sidecar.getMany<OrderView>(this.store, orderIds.map(viewKey));
    return [...views.values()].map((v) => v.value).sort((a, b) => b.placedAt.localeCompare(a.placedAt));
  }
}
