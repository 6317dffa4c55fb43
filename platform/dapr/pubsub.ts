/**
 * Pub/sub components, one builder per broker profile. Each takes where the broker is and how to
 * authenticate (a secret reference), plus the role the component plays: the business topics
 * (`events`), the outbox's internal topic (`outbox`) or a peer link, which reads a peer region's
 * broker as this region's own durable consumer (`consumerGroup`). What a subscriber sees (at
 * least once, dead letters, retries) is the same on every profile; the guarantees that differ are
 * in the README's profile table.
 */
import { pubsubTuning } from "../topology.js";
import { type ComponentDoc, type HostPort, type MetadataItem, type Secret, componentDoc, hostPort, metadataItem } from "./resource.js";

export type PubsubRole = keyof typeof pubsubTuning;

export interface PubsubOptions {
  readonly role: PubsubRole;
  /** A durable consumer of this name instead of the app's own (peer links). */
  readonly consumerGroup?: string;
  /** A link to another region's broker, across a network that may be slow or cut. */
  readonly peerLink?: boolean;
}

export type BrokerConnection =
  | { readonly profile: "redis"; readonly address: HostPort; readonly password?: Secret; readonly tls?: boolean }
  /** NATS with JetStream; `token` is the server's authorization token. */
  | { readonly profile: "jetstream"; readonly url: string; readonly token?: Secret }
  /** AMQP 0-9-1 URI with user, password and virtual host (`amqp://user:pw@host:5672/vhost`). */
  | { readonly profile: "rabbitmq"; readonly connectionString: Secret }
  | {
      readonly profile: "kafka";
      readonly brokers: readonly HostPort[];
      readonly username: string;
      readonly password: Secret;
      readonly tls: boolean;
    };

export type PubsubProfileName = BrokerConnection["profile"];

/** The Dapr component type of each pub/sub profile. */
export const pubsubComponentTypes: Readonly<Record<PubsubProfileName, string>> = {
  redis: "pubsub.redis",
  jetstream: "pubsub.jetstream",
  rabbitmq: "pubsub.rabbitmq",
  kafka: "pubsub.kafka",
};

/**
 * Whether a profile's component hands a subscription several messages at once. Dapr's bulk
 * subscriber (for every component but Kafka's) holds each message's delivery until its batch is
 * flushed, so a component that delivers one message at a time (JetStream here: `concurrency:
 * single`, see jetstreamPubsub) gets batches of one, each held for the whole pace: a gathered
 * subscription would move two messages a second (subscriptions.ts delivers them promptly).
 */
export const deliversManyAtOnce: Readonly<Record<PubsubProfileName, boolean>> = {
  redis: true,
  jetstream: false,
  rabbitmq: true,
  kafka: true,
};

/**
 * How long a message may be in hand before the broker hands it out again; above the whole delivery
 * retry budget (see deliveryRetry and pubsubTuning in platform/topology.ts) on every profile.
 */
const inHandTimeout = (role: PubsubRole): string => pubsubTuning[role].processingTimeout;

/** Redis Streams: consumer groups per app (or `consumerGroup`), positions in the stream. */
export function redisPubsub(name: string, c: Extract<BrokerConnection, { profile: "redis" }>, opts: PubsubOptions): ComponentDoc {
  const tuning = pubsubTuning[opts.role];
  const metadata: MetadataItem[] = [
    { name: "redisHost", value: hostPort(c.address) },
    // Unacknowledged messages are redelivered after this long. It must exceed the slowest
    // handler, or slow handlers get duplicates (components-contrib#4599); 0 loses messages.
    { name: "processingTimeout", value: tuning.processingTimeout },
    { name: "redeliverInterval", value: tuning.redeliverInterval },
    { name: "concurrency", value: tuning.concurrency },
    { name: "queueDepth", value: tuning.queueDepth },
    ...(c.password === undefined ? [] : [metadataItem("redisPassword", c.password)]),
    ...(c.tls === undefined ? [] : [{ name: "enableTLS", value: String(c.tls) }]),
    ...(opts.consumerGroup ? [{ name: "consumerID", value: opts.consumerGroup }] : []),
    // The client's own dial and read timeouts (5 s, 3 s) would end the first PING before the
    // link's initTimeout: on a loaded machine the local relay stalled for seconds at start-up.
    ...(opts.peerLink
      ? [
          { name: "dialTimeout", value: "15s" },
          { name: "readTimeout", value: "15s" },
        ]
      : []),
  ];
  return componentDoc(name, { type: pubsubComponentTypes.redis, version: "v1", metadata });
}

/**
 * NATS JetStream. Dapr's component creates no streams: each topic needs a stream of its own
 * (`jetstreamStreams`), which the broker's owner creates. One durable consumer per app and stream
 * (`{appID}`, or `consumerGroup`), bound as a queue group so replicas share the work; it keeps
 * its position in the stream across restarts.
 */
export function jetstreamPubsub(name: string, c: Extract<BrokerConnection, { profile: "jetstream" }>, opts: PubsubOptions): ComponentDoc {
  const consumer = opts.consumerGroup ?? "{appID}";
  const metadata: MetadataItem[] = [
    { name: "natsURL", value: c.url },
    ...(c.token === undefined ? [] : [metadataItem("token", c.token)]),
    { name: "durableName", value: consumer },
    { name: "queueGroupName", value: consumer },
    // A new consumer starts at the stream's first message, so a new region or app misses nothing.
    { name: "deliverPolicy", value: "all" },
    { name: "ackPolicy", value: "explicit" },
    { name: "ackWait", value: inHandTimeout(opts.role) },
    { name: "maxAckPending", value: pubsubTuning[opts.role].queueDepth },
    // Serial delivery, on purpose. With `parallel` the component's callback returns at once and
    // nats.go acknowledges every message on return (it subscribes without ManualAck): a sidecar
    // killed mid-saga lost what it held (measured: the saga test's orders stayed pending).
    { name: "concurrency", value: "single" },
  ];
  return componentDoc(name, { type: pubsubComponentTypes.jetstream, version: "v1", metadata });
}

/**
 * RabbitMQ: a fanout exchange per topic, a durable queue per consumer (`<consumerID>-<topic>`)
 * that outlives its consumer, persistent messages, and a failed delivery requeued (Dapr
 * dead-letters after its own retries, so the broker's dead-lettering stays off).
 */
export function rabbitmqPubsub(name: string, c: Extract<BrokerConnection, { profile: "rabbitmq" }>, opts: PubsubOptions): ComponentDoc {
  const metadata: MetadataItem[] = [
    metadataItem("connectionString", c.connectionString),
    ...(opts.consumerGroup ? [{ name: "consumerID", value: opts.consumerGroup }] : []),
    { name: "durable", value: "true" },
    { name: "deletedWhenUnused", value: "false" },
    { name: "deliveryMode", value: "2" },
    { name: "requeueInFailure", value: "true" },
    { name: "publisherConfirm", value: "true" },
    // At most this many unacknowledged messages per consumer (an 8-bit setting in the component).
    { name: "prefetchCount", value: String(Math.min(255, Number(pubsubTuning[opts.role].queueDepth))) },
    { name: "concurrency", value: "parallel" },
  ];
  return componentDoc(name, { type: pubsubComponentTypes.rabbitmq, version: "v1", metadata });
}

/** Kafka (SASL/SCRAM). Manifests only: no Kafka runs on this project's machines, so it is not tested. */
export function kafkaPubsub(name: string, c: Extract<BrokerConnection, { profile: "kafka" }>, opts: PubsubOptions): ComponentDoc {
  const metadata: MetadataItem[] = [
    { name: "brokers", value: c.brokers.map(hostPort).join(",") },
    // Dapr fills {appID}; a peer link overrides it so it never joins the peer's own groups.
    { name: "consumerGroup", value: opts.consumerGroup ?? "{appID}" },
    { name: "authType", value: "password" },
    { name: "saslUsername", value: c.username },
    metadataItem("saslPassword", c.password),
    { name: "saslMechanism", value: "SHA-512" },
    // A new consumer group starts from the beginning, so a new region or consumer misses nothing.
    { name: "initialOffset", value: "oldest" },
    { name: "disableTls", value: String(!c.tls) },
  ];
  return componentDoc(name, { type: pubsubComponentTypes.kafka, version: "v1", metadata });
}

/** The pub/sub component of a profile. */
export function pubsubComponent(name: string, c: BrokerConnection, opts: PubsubOptions): ComponentDoc {
  switch (c.profile) {
    case "redis":
      return redisPubsub(name, c, opts);
    case "jetstream":
      return jetstreamPubsub(name, c, opts);
    case "rabbitmq":
      return rabbitmqPubsub(name, c, opts);
    case "kafka":
      return kafkaPubsub(name, c, opts);
  }
}
