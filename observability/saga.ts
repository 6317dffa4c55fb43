/**
 * Saga outcomes, derived from the order events `orders` publishes (meridian_events_published_total):
 * it writes order.placed when a saga starts and one of confirmed/rejected/cancelled when it ends.
 * The "Saga flow" dashboard and the stuck-saga alert use the same expressions.
 */
import { appMetrics, sagaEvents, serviceLabels, orderWriter } from "./metrics.js";
import { type Matcher, eq, increaseFromZero, oneOf, sumBy } from "./promql.js";

const published = appMetrics.published;
const fromOrders = eq(serviceLabels.service, orderWriter);

export const placedMatchers = (extra: readonly Matcher[] = []): Matcher[] => [
  fromOrders,
  eq(published.labels.type, sagaEvents.placed),
  ...extra,
];
export const finalisedMatchers = (extra: readonly Matcher[] = []): Matcher[] => [
  fromOrders,
  oneOf(published.labels.type, sagaEvents.final),
  ...extra,
];
/** Every order event: placed and the three outcomes. */
export const orderEventMatchers = (extra: readonly Matcher[] = []): Matcher[] => [
  fromOrders,
  oneOf(published.labels.type, [sagaEvents.placed, ...sagaEvents.final]),
  ...extra,
];

/**
 * Orders placed in the window minus orders finalised in it, per `by`. Near 0 when sagas keep
 * up; it grows while orders stay pending. A user cancel of a confirmed order finalises twice,
 * so the figure can dip below 0 and understate a backlog: read it as a trend, not a count.
 */
export function unfinishedSagas(window: string, by: readonly string[], extra: readonly Matcher[] = []): string {
  const placed = sumBy(by, increaseFromZero(published.name, placedMatchers(extra), window));
  const finalised = sumBy(by, increaseFromZero(published.name, finalisedMatchers(extra), window));
  // No outcome at all yet must count as 0 finalised, or a saga that never ends would hide.
  return `${placed}\n  - (${finalised}\n    or 0 * ${placed})`;
}
