import { sagaSuite } from "../support/saga-suite.js";

// The same saga, with events on NATS JetStream (a nats-server of the region's own).
sagaSuite({ pubsub: "jetstream", state: "redis" });
