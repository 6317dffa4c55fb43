import { components, outboxTopicOf } from "../../../platform/topology.js";
import { type EventRecord, cloudEventAttributes } from "../events/envelope.js";
import type { EventMetrics } from "../events/metrics.js";
import type { Logger } from "../log.js";
import type { Sidecar } from "./sidecar.js";

/**
 * Publishes events right after the transaction that wrote them committed, next to Dapr's outbox.
 *
 * Dapr's outbox relay waits a fixed second before it publishes each committed message
 * (`defaultStateScanDelay` in dapr's pkg/runtime/pubsub/outbox.go), so every saga hop would cost
 * at least a second. The writer therefore also publishes what it committed itself: consumers get
 * the event at broker speed, and the outbox's copy about a second later, which they drop as a
 * duplicate (every consumer is idempotent by event id). The outbox stays the guarantee: should
 * this process die between commit and publish, or the publish fail, its copy still arrives; and
 * since this runs only after a successful commit, nothing uncommitted is ever published.
 *
 * The message is the same CloudEvent the outbox sends (same data, type, subject, extensions), so
 * consumers and routing rules cannot tell the two apart.
 */
export class CommitPublisher {
  private failures = 0;

  constructor(
    private readonly sidecar: Sidecar,
    private readonly topic: string,
    private readonly source: string,
    private readonly onFailure: (error: string) => void = () => undefined,
  ) {}

  /** Failed publishes so far (each one was delivered by the outbox instead, a second later). */
  get failed(): number {
    return this.failures;
  }

  /** Never throws: the events are committed, and the outbox delivers them whatever happens here. */
  async publish(events: readonly EventRecord[]): Promise<void> {
    await Promise.all(
      events.map(async (event) => {
        const cloudEvent = {
          specversion: "1.0",
          id: event.id,
          datacontenttype: "application/json",
          ...cloudEventAttributes(event, this.source),
          data: event,
        };
        await this.sidecar.publish(components.pubsub, this.topic, cloudEvent, "application/cloudevents+json").catch((err: unknown) => {
          this.failures++;
          this.onFailure(err instanceof Error ? err.message : String(err));
        });
      }),
    );
  }
}

export interface PublisherSettings {
  /** PUBLISH_ON_COMMIT: off leaves publishing to the outbox alone (a second per hop). */
  readonly enabled: boolean;
  readonly sidecar: Sidecar;
  /** The outbox-enabled store whose commits are published; its topic comes from the topology. */
  readonly store: string;
  readonly source: string;
  readonly log: Logger;
  readonly metrics: EventMetrics;
}

/** The publisher a writer of `store` uses, or none when publishing on commit is off. */
export function commitPublisherFor(s: PublisherSettings): CommitPublisher | undefined {
  if (!s.enabled) return undefined;
  const topic = outboxTopicOf(s.store);
  return new CommitPublisher(s.sidecar, topic, s.source, (error) => {
    s.metrics.commitPublishFailures.inc({ topic });
    s.log.warn("publish on commit failed; the outbox delivers the event instead", { topic, error });
  });
}
