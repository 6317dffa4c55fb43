import { sagaSuite } from "../support/saga-suite.js";

// The same saga, with events on RabbitMQ (a virtual host and user of the region's own).
sagaSuite({ pubsub: "rabbitmq", state: "redis" });
