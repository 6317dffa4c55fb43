interface Waiter<I, O> {
  readonly item: I;
  readonly resolve: (result: O) => void;
  readonly reject: (err: unknown) => void;
}

/**
 * Group commit: each caller submits one item and waits for its own result, while one flush at a
 * time commits up to `maxBatch` waiting items together. Under load many callers share one round
 * trip to the store; whatever arrives during a flush waits and forms the next batch.
 */
export class GroupCommit<I, O> {
  private readonly queue: Waiter<I, O>[] = [];
  private flushing = false;

  constructor(
    /**
     * Commits a batch and returns the results of a leading part of it, at least one item: the
     * rest (say, what would make one transaction too large) goes first into the next batch.
     * When it throws, every caller of the batch gets the error.
     */
    private readonly commit: (items: readonly I[]) => Promise<readonly O[]>,
    private readonly maxBatch: number,
  ) {}

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (this.flushing) return;
      this.flushing = true;
      // Not at once: callers that submit in the same tick then share the first batch too.
      queueMicrotask(() => void this.drain());
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      try {
        const results = await this.commit(batch.map((w) => w.item));
        if (results.length === 0 || results.length > batch.length) throw new Error(`a commit settled ${results.length} of ${batch.length}`);
        results.forEach((result, i) => batch[i]!.resolve(result));
        this.queue.unshift(...batch.slice(results.length));
      } catch (err) {
        for (const waiter of batch) waiter.reject(err);
      }
    }
    this.flushing = false;
  }
}
