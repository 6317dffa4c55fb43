import { GroupCommit } from "../shared/application/group-commit.js";
import { PagedLog } from "../shared/application/paged-log.js";
import { retryOnConflict } from "../shared/application/retry.js";
import type { Sidecar, Write } from "../shared/dapr/sidecar.js";
import { catalogShards, shardOf } from "../shared/orders/catalog-shards.js";

/**
 * Ids per page of a shard's log. A listing rewrites its shard's head, so this bounds the bytes an
 * order's listing costs however many orders the region has taken (one shard holding every id it
 * was ever given made each listing cost more than the last).
 */
const pageSize = 256;

/** Ids listed in one round trip: with one head per shard touched, a batch's transaction stays small. */
const maxBatch = 32;

/**
 * The list of every order id, kept beside the event store (which cannot list its keys) so a
 * read model can be rebuilt by replaying every stream. An id is added before its first event is
 * written, so every stream is listed; an id whose write then failed lists a stream that does not
 * exist, which a replay skips.
 *
 * Each of the 256 shards (the id's first two hex digits) is a paged log: sealed pages that are
 * never written again and a head holding the open page, stored as `{ pages, orderIds }` (a shard
 * written before it was paged is `{ orderIds }`, all open page). Listings are group-committed:
 * ids that arrive while a listing is in flight share the next one, one bulk read of their heads
 * and one transaction.
 */
export class Catalog {
  private readonly log = new PagedLog<string>("catalog", pageSize, "orderIds");
  private readonly listings = new GroupCommit<string, void>((ids) => this.list(ids), maxBatch);

  constructor(
    private readonly sidecar: Sidecar,
    private readonly store: string,
  ) {}

  /** Resolves once `orderId` is listed (at once if it already is). */
  add(orderId: string): Promise<void> {
    return this.listings.submit(orderId);
  }

  /** Every order id in one shard, each once. */
  async shard(shard: string): Promise<string[]> {
    return unique(await this.log.read(this.sidecar, this.store, [shard]));
  }

  /** Every order id, each once: a handful of bulk reads however many orders there are. */
  async all(): Promise<string[]> {
    return unique(await this.log.read(this.sidecar, this.store, catalogShards));
  }

  private list(ids: readonly string[]): Promise<void[]> {
    const byShard = new Map<string, string[]>();
    for (const id of new Set(ids)) byShard.set(shardOf(id), [...(byShard.get(shardOf(id)) ?? []), id]);
    return retryOnConflict(async () => {
      const shards = [...byShard.keys()];
      const heads = await this.sidecar.getMany(
        this.store,
        shards.map((s) => this.log.headKey(s)),
      );
      const writes: Write[] = [];
      for (const [shard, shardIds] of byShard) {
        const head = heads.get(this.log.headKey(shard));
        if (!head) {
          // A shard's first ids create its head: atomic on every store, so another replica's
          // first ids are a conflict here (all of it read and planned again), never written over.
          await this.sidecar.create(this.store, this.log.headKey(shard), this.log.initialHead(shardIds));
          continue;
        }
        // A retried listing finds its ids in the open page; one sealed since is listed twice,
        // which readers take once.
        const listed = new Set(this.log.openPage(head));
        const fresh = shardIds.filter((id) => !listed.has(id));
        if (fresh.length > 0) writes.push(...this.log.append(shard, head, fresh));
      }
      if (writes.length > 0) await this.sidecar.write(this.store, writes);
      return ids.map(() => undefined);
    });
  }
}

function unique(ids: readonly string[]): string[] {
  return [...new Set(ids)];
}
