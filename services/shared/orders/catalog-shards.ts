/**
 * The orders catalogue is split in 256 shards by the first two hex digits of the order id:
 * small values, little contention. The writer (orders) and replayers (order-view) share this.
 */
export const catalogShards: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/**
 * Keys per bulk state read in a whole-catalogue walk: few enough that one read stays far below
 * the sidecar's timeouts on a slow store, many enough that a walk takes a handful of calls.
 */
export const bulkReadSize = 100;

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export function shardOf(orderId: string): string {
  return orderId.slice(0, 2).toLowerCase();
}
