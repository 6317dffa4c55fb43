import { replicationSuite } from "../support/replication-suite.js";

// Replication through peer links on rabbitmq: each region's durable consumer on the peer's broker.
replicationSuite({ pubsub: "rabbitmq", state: "redis" });
