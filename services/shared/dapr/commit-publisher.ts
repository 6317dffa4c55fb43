import { Router } from "express";
import { type AppId, components, outboxTopicOf, relayTopicOf, replicaTopicFor } from "../../../platform/topology.js";
import { type EventRecord, cloudEventAttributes } from "../events/envelope.js";
import type { EventMetrics } from "../events/metrics.js";
import type { Logger } from "../log.js";
import type { Sidecar } from "./sidecar.js";
import { type Outcome, subscribeTopics } from "./subscriber.js";

/** How many recently published event ids a writer remembers: far more than a few seconds of events. */
const rememberedIds = 50_000;

/**
 * Publishes a writer's committed events to its public topic: at once after the commit, and again
 * from Dapr's outbox for whatever was not.
 *
 * Dapr's outbox relay waits a fixed second before it publishes each committed message
 * (`defaultStateScanDelay` in dapr's pkg/runtime/pubsub/outbox.go), so every saga hop would cost
 * at least a second. The writer therefore publishes what it committed itself, right after the
 * commit: subscribers get the event at broker speed. The outbox stays the guarantee, but it
 * publishes to the store's relay topic (`relayTopicOf`), read only by this writer, which forwards
 * to the public topic only the events it has not published itself: those whose publish failed,
 * or that were committed by a process that died before publishing (or by another replica).
 * Subscribers of the public topic thus get each event once in the normal case, and at least once
 * always (they are idempotent by event id). Nothing uncommitted is ever published: this runs only
 * after a successful commit, and the outbox relays only committed state.
 *
 * The message is the same CloudEvent the outbox sends (same data, type, subject, extensions).
 * Replicas (events of a replicated topic that another region decided) go to the topic's replica
 * topic instead (see replicaTopicOf), whichever of the two paths publishes them.
 */
export class CommitPublisher {
  private readonly published = new Set<string>();
  readonly topic: string;
  private readonly replicaTopic: string | undefined;

  constructor(
    private readonly sidecar: Sidecar,
    store: string,
    /** The region this writer runs in: its own events go to `topic`, others' to the replica topic. */
    private readonly region: string,
    private readonly source: string,
    /** PUBLISH_ON_COMMIT: off leaves publishing to the outbox alone (a second per hop). */
    private readonly onCommit: boolean,
    private readonly onFailure: (error: string) => void = () => undefined,
  ) {
    this.topic = outboxTopicOf(store);
    this.replicaTopic = replicaTopicFor(this.topic);
  }

  /** Where an event goes: a replica of another region's event to the replica topic, if the topic has one. */
  topicOf(event: EventRecord): string {
    return this.replicaTopic !== undefined && event.originRegion !== this.region ? this.replicaTopic : this.topic;
  }

  /** Called after a successful commit. Never throws: the outbox relays whatever fails here. */
  async committed(events: readonly EventRecord[]): Promise<void> {
    if (!this.onCommit) return;
    await Promise.all(
      events.map((event) => this.publish(event).catch((err: unknown) => this.onFailure(err instanceof Error ? err.message : String(err)))),
    );
  }

  /** An event the outbox relayed: forwarded unless this process already published it. */
  async relayed(event: EventRecord): Promise<Outcome> {
    if (this.published.has(event.id)) return "ignored";
    await this.publish(event);
    return "applied";
  }

  private async publish(event: EventRecord): Promise<void> {
    const cloudEvent = {
      specversion: "1.0",
      id: event.id,
      datacontenttype: "application/json",
      ...cloudEventAttributes(event, this.source),
      data: event,
    };
    await this.sidecar.publish(components.pubsub, this.topicOf(event), cloudEvent, "application/cloudevents+json");
    this.published.add(event.id);
    // A Set iterates in insertion order: the first entry is the oldest.
    if (this.published.size > rememberedIds) this.published.delete(this.published.values().next().value!);
  }
}

export interface PublisherSettings {
  readonly publishOnCommit: boolean;
  readonly sidecar: Sidecar;
  /** The outbox-enabled store whose commits are published; its topics come from the topology. */
  readonly store: string;
  readonly app: AppId;
  readonly region: string;
  readonly log: Logger;
  readonly metrics: EventMetrics;
}

/** The publisher a writer of `store` uses, and the route that reads the store's relay topic. */
export function commitPublishing(s: PublisherSettings): { publisher: CommitPublisher; relayRoutes: Router } {
  const publisher: CommitPublisher = new CommitPublisher(
    s.sidecar,
    s.store,
    s.region,
    `${s.app}/${s.region}`,
    s.publishOnCommit,
    (error) => {
      s.metrics.commitPublishFailures.inc({ topic: publisher.topic });
      s.log.warn("publish on commit failed; the outbox relays the event instead", { topic: publisher.topic, error });
    },
  );
  const relayRoutes = Router();
  subscribeTopics(
    relayRoutes,
    { app: s.app, region: s.region, sidecar: s.sidecar, log: s.log, metrics: s.metrics },
    { [relayTopicOf(publisher.topic)]: (event) => publisher.relayed(event) },
  );
  return { publisher, relayRoutes };
}
