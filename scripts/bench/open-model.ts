/**
 * An open-model load generator: requests are due at a fixed arrival rate whatever the system
 * does, and each one's latency is measured from when it was due, not from when it was sent. A
 * stalled system therefore shows its stall in every request that queued behind it (correcting
 * for coordinated omission) instead of silently slowing the load down.
 */

export interface Arrival {
  readonly index: number;
  /** When this request was due (epoch ms); latencies start here. */
  readonly dueAt: number;
}

export interface OpenModelOptions<T> {
  readonly ratePerSecond: number;
  readonly count: number;
  /**
   * At most this many requests outstanding; later ones wait for a slot but keep their due time,
   * so the wait counts in their latency. Bounds memory and sockets when the system stalls.
   */
  readonly maxInFlight: number;
  readonly send: (arrival: Arrival) => Promise<T>;
  /** Called about once a second while the load runs. */
  readonly onTick?: (progress: LoadProgress) => void;
}

export interface LoadProgress {
  readonly due: number;
  readonly sent: number;
  readonly done: number;
  readonly failed: number;
  readonly inFlight: number;
  readonly elapsedMs: number;
}

export interface LoadResult<T> {
  readonly results: readonly ({ arrival: Arrival; sentAt: number; doneAt: number } & (
    { ok: true; value: T } | { ok: false; error: string }
  ))[];
  readonly startedAt: number;
  readonly endedAt: number;
  /** Largest gap between when a request was due and when it was sent: 0 means the generator kept up. */
  readonly maxSendDelayMs: number;
}

export async function runOpenModel<T>(opts: OpenModelOptions<T>): Promise<LoadResult<T>> {
  const intervalMs = 1000 / opts.ratePerSecond;
  const startedAt = Date.now();
  const results: LoadResult<T>["results"][number][] = [];
  let next = 0;
  let inFlight = 0;
  let failed = 0;
  let maxSendDelayMs = 0;
  const waiting: Arrival[] = [];
  let wake: (() => void) | undefined;

  const progress = (): LoadProgress => ({
    due: Math.min(opts.count, Math.floor((Date.now() - startedAt) / intervalMs) + 1),
    sent: next - waiting.length,
    done: results.length,
    failed,
    inFlight,
    elapsedMs: Date.now() - startedAt,
  });
  const ticker = opts.onTick ? setInterval(() => opts.onTick?.(progress()), 1000) : undefined;

  const dispatch = (arrival: Arrival): void => {
    inFlight++;
    const sentAt = Date.now();
    maxSendDelayMs = Math.max(maxSendDelayMs, sentAt - arrival.dueAt);
    opts
      .send(arrival)
      .then(
        (value) => results.push({ arrival, sentAt, doneAt: Date.now(), ok: true, value }),
        (err: unknown) => {
          failed++;
          results.push({ arrival, sentAt, doneAt: Date.now(), ok: false, error: err instanceof Error ? err.message : String(err) });
        },
      )
      .finally(() => {
        inFlight--;
        const queued = waiting.shift();
        if (queued) dispatch(queued);
        wake?.();
      });
  };

  try {
    while (next < opts.count) {
      const now = Date.now();
      // Everything due by now goes out in this turn: timers are coarse, arrivals are not.
      while (next < opts.count && startedAt + next * intervalMs <= now) {
        const arrival = { index: next, dueAt: startedAt + next * intervalMs };
        next++;
        if (inFlight < opts.maxInFlight) dispatch(arrival);
        else waiting.push(arrival);
      }
      const dueIn = startedAt + next * intervalMs - Date.now();
      if (next < opts.count) await new Promise((r) => setTimeout(r, Math.max(0, Math.min(dueIn, 50))));
    }
    while (results.length < opts.count) await new Promise<void>((r) => (wake = r));
  } finally {
    if (ticker) clearInterval(ticker);
  }
  return { results, startedAt, endedAt: Date.now(), maxSendDelayMs };
}
