import { replicationSuite } from "../support/replication-suite.js";

// Replication through peer links on jetstream: each region's durable consumer on the peer's broker.
replicationSuite({ pubsub: "jetstream", state: "redis" });
