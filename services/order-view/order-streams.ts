import type { Sidecar } from "../shared/dapr/sidecar.js";
import { HttpMethod } from "../shared/dapr/sidecar.js";
import { InvocationError } from "../shared/errors.js";
import { checkEvent } from "../shared/events/contracts.js";
import type { EventRecord } from "../shared/events/envelope.js";

/** The writer's side, as the read model needs it: the order streams, and the list of them. */
export interface OrderStreams {
  /** An order's events, checked and upcast; undefined when the stream does not exist. */
  events(orderId: string): Promise<readonly EventRecord[] | undefined>;
  /** Several orders' events, checked and upcast; ids without a stream are missing from the map. */
  eventsOf(orderIds: readonly string[]): Promise<Map<string, readonly EventRecord[]>>;
  /** Every order id the catalogue lists. */
  all(): Promise<readonly string[]>;
}

/** OrderStreams read from the orders service through Dapr service invocation. */
export function invokedOrderStreams(sidecar: Sidecar, ordersApp: string): OrderStreams {
  return {
    async events(orderId) {
      const stream = await sidecar
        .invoke<{ events: EventRecord[] }>(ordersApp, `orders/${orderId}/events`, HttpMethod.GET)
        .catch((err: unknown) => {
          // Listed but never written (its first write failed): there is no stream.
          if (err instanceof InvocationError && err.status === 404) return undefined;
          throw err;
        });
      return stream?.events.map(checkEvent);
    },
    async eventsOf(orderIds) {
      const { streams } = await sidecar.invoke<{ streams: { orderId: string; events: EventRecord[] }[] }>(
        ordersApp,
        "streams",
        HttpMethod.POST,
        { orderIds },
      );
      return new Map(streams.map((s) => [s.orderId, s.events.map(checkEvent)]));
    },
    async all() {
      return (await sidecar.invoke<{ orderIds: string[] }>(ordersApp, "catalog", HttpMethod.GET)).orderIds;
    },
  };
}
