/**
 * Serialises async work per key inside one process. Writers of the same aggregate then never
 * race each other on ETags here; across replicas the distributed lease (application/lease.ts)
 * and the ETags guard.
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<unknown>>();

  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const before = this.tails.get(key) ?? Promise.resolve();
    const result = before.then(work, work);
    const tail = result.catch(() => undefined);
    this.tails.set(key, tail);
    try {
      return await result;
    } finally {
      // Drop the entry once nobody queued behind us, so the map does not grow with every key ever seen.
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}

/** Holds the locks of several keys at once, taken in sorted order so two callers never deadlock. */
export function runLocked<T>(lock: KeyedLock, keys: readonly string[], work: () => Promise<T>): Promise<T> {
  const sorted = [...new Set(keys)].sort();
  const step = (i: number): Promise<T> => (i === sorted.length ? work() : lock.run(sorted[i]!, () => step(i + 1)));
  return step(0);
}
