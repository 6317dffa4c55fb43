import { retryOnConflict } from "../shared/application/retry.js";
import type { Sidecar } from "../shared/dapr/sidecar.js";
import type { KeyedLock } from "../shared/keyed-lock.js";
import { bulkReadSize, catalogShards, chunks, shardOf } from "../shared/orders/catalog-shards.js";

interface Shard {
  readonly orderIds: string[];
}

const shardKey = (shard: string) => `catalog-${shard}`;

/**
 * The list of every order id, kept beside the event store (which cannot list its keys) so a
 * read model can be rebuilt by replaying every stream. An id is added before its first event is
 * written, so every stream is listed; an id whose write then failed lists a stream that does not
 * exist, which a replay skips.
 */
export class Catalog {
  constructor(
    private readonly sidecar: Sidecar,
    private readonly store: string,
    private readonly lock: KeyedLock,
  ) {}

  add(orderId: string): Promise<void> {
    const key = shardKey(shardOf(orderId));
    return this.lock.run(key, () =>
      retryOnConflict(async () => {
        const found = await this.sidecar.get<Shard>(this.store, key);
        if (found?.value.orderIds.includes(orderId)) return;
        // A shard's first id creates it: atomic on every store, so another replica's first id is
        // a conflict here (retried), never overwritten; later ids carry the ETag read.
        if (!found) return this.sidecar.create(this.store, key, { orderIds: [orderId] });
        await this.sidecar.write(this.store, [{ key, value: { orderIds: [...found.value.orderIds, orderId] }, etag: found.etag }]);
      }),
    );
  }

  async shard(shard: string): Promise<string[]> {
    return (await this.sidecar.get<Shard>(this.store, shardKey(shard)))?.value.orderIds ?? [];
  }

  /**
   * Every order id, shard by shard in bulk reads: a handful of sidecar calls instead of one per
   * shard, so a whole-region walk stays well inside the invocation timeout.
   */
  async all(): Promise<string[]> {
    const ids: string[] = [];
    for (const keys of chunks(catalogShards.map(shardKey), bulkReadSize)) {
      const found = await this.sidecar.getMany<Shard>(this.store, keys);
      for (const key of keys) ids.push(...(found.get(key)?.value.orderIds ?? []));
    }
    return ids;
  }
}
