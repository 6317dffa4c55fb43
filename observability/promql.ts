/**
 * A few PromQL building blocks. Dashboards and alert rules build their expressions from these,
 * so a pattern (a ratio that shows 0 instead of no data, a quantile over a histogram) is written
 * once and reads the same everywhere.
 */

/** One label matcher, e.g. `status_code=~"5.."`. */
export type Matcher = string;

export const eq = (label: string, value: string): Matcher => `${label}="${value}"`;
export const re = (label: string, value: string): Matcher => `${label}=~"${value}"`;
/**
 * A regex matching any of the values. Dots are left unescaped so queries stay readable in
 * Grafana: the values are fixed names (event types), where "." matching any character cannot
 * match anything else that exists.
 */
export const oneOf = (label: string, values: readonly string[]): Matcher => re(label, values.join("|"));

export function selector(metric: string, matchers: readonly Matcher[] = []): string {
  return matchers.length === 0 ? metric : `${metric}{${matchers.join(", ")}}`;
}

export const rate = (metric: string, matchers: readonly Matcher[], window: string): string =>
  `rate(${selector(metric, matchers)}[${window}])`;
export const increase = (metric: string, matchers: readonly Matcher[], window: string): string =>
  `increase(${selector(metric, matchers)}[${window}])`;

/**
 * How much a counter grew in the window, counting a series born inside it from 0. prom-client
 * creates a labelled series at its first increment, already at 1 or more, so increase() alone
 * never sees that first step: the first dead letter of a process would not count at all.
 */
export function increaseFromZero(metric: string, matchers: readonly Matcher[], window: string): string {
  const s = selector(metric, matchers);
  return `(${s} unless ${s} offset ${window}) or ${increase(metric, matchers, window)}`;
}

export const sumBy = (labels: readonly string[], expr: string): string =>
  labels.length === 0 ? `sum(${expr})` : `sum by (${labels.join(", ")}) (${expr})`;
export const maxBy = (labels: readonly string[], expr: string): string =>
  labels.length === 0 ? `max(${expr})` : `max by (${labels.join(", ")}) (${expr})`;

/** The q-quantile of a histogram per `by`, from the rate of its buckets. */
export function quantile(q: number, histogram: string, by: readonly string[], matchers: readonly Matcher[], window: string): string {
  return `histogram_quantile(${q}, ${sumBy([...by, "le"], rate(`${histogram}_bucket`, matchers, window))})`;
}

/**
 * part / whole, where a series with no `part` (no errors yet: the counter was never incremented)
 * counts as 0 rather than vanishing. Both sides must be aggregated by the same labels.
 */
export function ratio(part: string, whole: string): string {
  return `(${part} or 0 * ${whole}) / ${whole}`;
}
