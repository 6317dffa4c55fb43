/**
 * The orders catalogue is split in 256 shards by the first two hex digits of the order id:
 * small values, little contention. The writer (orders) and replayers (order-view) share this.
 */
export const catalogShards: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

export function shardOf(orderId: string): string {
  return orderId.slice(0, 2).toLowerCase();
}
