import { ConcurrencyError } from "../errors.js";

/**
 * Runs read-decide-write again when another writer got in between (an ETag conflict), up to
 * `attempts` times, waiting a little longer each time with full jitter (up to 5, 10, 20, … ms) so
 * writers that collided do not collide again in lockstep; any other error, or the last conflict,
 * goes to the caller.
 */
export async function retryOnConflict<T>(work: () => Promise<T>, attempts = 5, baseDelayMs = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      if (!(err instanceof ConcurrencyError) || attempt >= attempts) throw err;
      await new Promise((r) => setTimeout(r, Math.random() * baseDelayMs * 2 ** (attempt - 1)));
    }
  }
}
