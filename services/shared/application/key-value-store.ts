import type { Versioned, Write } from "../dapr/sidecar.js";

export type { Versioned, Write } from "../dapr/sidecar.js";

/**
 * What a paged log and the lake need of a state store. The Sidecar satisfies it as it is; a unit test can stand
 * in an in-memory map that honours ETags the same way (a conflict throws ConcurrencyError).
 */
export interface KeyValueStore {
  getMany<T>(store: string, keys: readonly string[]): Promise<Map<string, Versioned<T>>>;
  write(store: string, writes: readonly Write[]): Promise<void>;
}
