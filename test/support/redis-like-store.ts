import type { Sidecar, Versioned, Write } from "../../services/shared/dapr/sidecar.js";
import { ConcurrencyError } from "../../services/shared/errors.js";

/**
 * One state store that replicas write, as Redis treats them (components-contrib's state/redis Lua
 * scripts): in a transaction, a write with an ETag needs the key unchanged, and a write without
 * one creates the key or writes over it when it appeared in the meantime; outside one, a
 * first-write without an ETag creates the key only if absent. Each replica gets its own sidecar,
 * which may be slower to write than another's.
 */
export class RedisLikeStore {
  readonly data = new Map<string, { value: unknown; version: number }>();
  /** Sidecar calls made so far by every replica: reads (single or bulk), writes (transactions or creates). */
  reads = 0;
  writes = 0;

  private read<T>(key: string): Versioned<T> | undefined {
    const found = this.data.get(key);
    return found ? { value: structuredClone(found.value) as T, etag: String(found.version) } : undefined;
  }

  sidecar(writeDelayMs: number): Sidecar {
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const fake = {
      get: async <T>(_store: string, key: string): Promise<Versioned<T> | undefined> => {
        this.reads++;
        await sleep(0);
        return this.read<T>(key);
      },
      getMany: async <T>(_store: string, keys: readonly string[]): Promise<Map<string, Versioned<T>>> => {
        this.reads++;
        await sleep(0);
        const found = new Map<string, Versioned<T>>();
        for (const key of keys) {
          const value = this.read<T>(key);
          if (value) found.set(key, value);
        }
        return found;
      },
      write: async (_store: string, writes: readonly Write[]): Promise<void> => {
        this.writes++;
        await sleep(writeDelayMs);
        for (const w of writes) {
          const current = this.data.get(w.key);
          if (w.etag !== undefined && String(current?.version) !== w.etag) throw new ConcurrencyError(`state changed concurrently`);
        }
        for (const w of writes)
          this.data.set(w.key, { value: structuredClone(w.value), version: (this.data.get(w.key)?.version ?? 0) + 1 });
      },
      create: async (_store: string, key: string, value: unknown): Promise<void> => {
        this.writes++;
        await sleep(writeDelayMs);
        if (this.data.has(key)) throw new ConcurrencyError("state changed concurrently");
        this.data.set(key, { value: structuredClone(value), version: 1 });
      },
    };
    return fake as unknown as Sidecar;
  }
}
