import { sagaSuite } from "../support/saga-suite.js";

// Every app at two replicas (each with its own daprd, one app-id), as the clusters run them by
// default: on Redis the writers hold distributed leases; on PostgreSQL a lost ETag race rolls back.
sagaSuite({ pubsub: "redis", state: "redis" }, { replicas: 2 });
sagaSuite({ pubsub: "redis", state: "postgresql" }, { replicas: 2 });
