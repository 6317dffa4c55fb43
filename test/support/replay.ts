import { Redis } from "ioredis";
import { type AppId, apps, topics } from "../../platform/topology.js";
import { republish, streamMessages } from "../../scripts/local/nats.js";
import type { RegionHandle } from "../../scripts/local/system.js";
import { cloudEventAttributes, type EventRecord } from "../../services/shared/events/envelope.js";
import { currentTypeName, eventTypePrefix } from "../../services/shared/events/event-types.js";
import { adminCall, call } from "./http.js";

/** The writer of each saga topic: it alone may publish there (topic scopes). */
const writerOf: Readonly<Record<string, AppId>> = {
  [topics.orders]: apps.orders,
  [topics.inventory]: apps.inventory,
  [topics.payments]: apps.payments,
};

/** The topic an event travels on, by its type (`io.meridian.order.placed`, or the unprefixed name it was stored under). */
function topicOfType(type: string): string {
  const name = currentTypeName(type).slice(eventTypePrefix.length);
  return name.startsWith("order.") ? topics.orders : name.startsWith("stock.") ? topics.inventory : topics.payments;
}

/**
 * Delivers every message of `sagaTopics` a second time and returns how many were sent. Where
 * the broker keeps its log (Redis Streams, JetStream streams) each message goes back exactly as the
 * broker holds it; RabbitMQ keeps nothing once acknowledged, so there every event the region's
 * lake archived since `since` is published again by its writer's sidecar, as the writer published it.
 */
export async function deliverAgain(region: RegionHandle, sagaTopics: readonly string[], since: Date): Promise<number> {
  let replayed = 0;
  switch (region.broker.profile) {
    case "redis": {
      const redis = new Redis(region.redis.port, "127.0.0.1", { password: region.redis.password, lazyConnect: true });
      await redis.connect();
      try {
        for (const topic of sagaTopics) {
          for (const [, fields] of await redis.xrange(topic, "-", "+")) {
            await redis.xadd(topic, "*", ...fields);
            replayed++;
          }
        }
      } finally {
        redis.disconnect();
      }
      return replayed;
    }
    case "jetstream": {
      // The region's token: the one secret its JetStream connection refers to.
      const [token] = Object.values(region.broker.connect(region.broker.port).secrets);
      for (const topic of sagaTopics) {
        const messages = await streamMessages(region.broker.port, token!, topic);
        await republish(region.broker.port, token!, topic, messages);
        replayed += messages.length;
      }
      return replayed;
    }
    case "rabbitmq": {
      const to = new Date(Date.now() + 1000).toISOString();
      const lake = await adminCall(region, `/admin/lake/events?from=${since.toISOString()}&to=${to}`);
      const events = ((lake.body as { events?: EventRecord[] }).events ?? []).filter((e) => sagaTopics.includes(topicOfType(e.type)));
      for (const event of events) {
        const topic = topicOfType(event.type);
        const writer = region.apps[writerOf[topic]!];
        const cloudEvent = {
          specversion: "1.0",
          id: event.id,
          datacontenttype: "application/json",
          ...cloudEventAttributes(event, `${writer.app}.${region.name}`),
          data: event,
        };
        const res = await call(`http://127.0.0.1:${writer.daprHttpPort}/v1.0/publish/pubsub/${topic}`, {
          method: "POST",
          headers: { "content-type": "application/cloudevents+json", "dapr-api-token": writer.daprApiToken },
          body: JSON.stringify(cloudEvent),
        });
        if (res.status !== 204) throw new Error(`republishing ${event.id} to ${topic}: ${res.status}`);
        replayed++;
      }
      return replayed;
    }
  }
}
