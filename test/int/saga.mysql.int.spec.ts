import { sagaSuite } from "../support/saga-suite.js";

// The same saga, with every state store on MariaDB (a database and user of the region's own).
sagaSuite({ pubsub: "redis", state: "mysql" });
