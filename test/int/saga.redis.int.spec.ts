import { sagaSuite } from "../support/saga-suite.js";

// The default profiles: Redis Streams and Redis state stores, in the region's own redis-server.
sagaSuite({ pubsub: "redis", state: "redis" });
