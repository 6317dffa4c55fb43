import { sagaSuite } from "../support/saga-suite.js";

// The same saga, with every state store on PostgreSQL (a database of the region's own): chosen by component YAML only.
sagaSuite({ pubsub: "redis", state: "postgresql" });
