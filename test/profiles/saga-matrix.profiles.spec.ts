import { sagaSuite } from "../support/saga-suite.js";

// The saga on the combinations `npm test` leaves out (it runs each profile once, with Redis on
// the other side: test/int/saga.*.int.spec.ts). Together they are the whole matrix.
sagaSuite({ pubsub: "jetstream", state: "postgresql" });
sagaSuite({ pubsub: "jetstream", state: "mysql" });
sagaSuite({ pubsub: "rabbitmq", state: "postgresql" });
sagaSuite({ pubsub: "rabbitmq", state: "mysql" });
