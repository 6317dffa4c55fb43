/** Latency summaries: exact percentiles over every sample (runs are bounded, so no sketches). */

export interface Summary {
  readonly count: number;
  readonly mean: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
}

/** Nearest-rank percentile of an ascending array: the smallest value with at least q of samples at or below it. */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1]!;
}

export function summarize(samples: readonly number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const sum = sorted.reduce((s, v) => s + v, 0);
  return {
    count: sorted.length,
    mean: sorted.length ? sum / sorted.length : Number.NaN,
    p50: percentile(sorted, 0.5),
    p90: percentile(sorted, 0.9),
    p99: percentile(sorted, 0.99),
    p999: percentile(sorted, 0.999),
    max: sorted.length ? sorted[sorted.length - 1]! : Number.NaN,
  };
}

/**
 * Completions per second in the steady middle of a run: the time between the 10th and the 90th
 * percentile completion, so the ramp-up and the drain tail do not dilute the figure.
 */
export function steadyRate(completionTimesMs: readonly number[]): number {
  const sorted = [...completionTimesMs].sort((a, b) => a - b);
  if (sorted.length < 10) return Number.NaN;
  const lo = Math.floor(sorted.length * 0.1);
  const hi = Math.floor(sorted.length * 0.9);
  const seconds = (sorted[hi]! - sorted[lo]!) / 1000;
  return seconds > 0 ? (hi - lo) / seconds : Number.NaN;
}

/** Rounds for reports: three significant digits are all a 2-core machine's figures deserve. */
export function round(value: number, digits = 3): number {
  if (!Number.isFinite(value) || value === 0) return value;
  return Number(value.toPrecision(digits));
}
