import { drillSuite } from "../support/drill-suite.js";

drillSuite({ pubsub: "rabbitmq", state: "redis" });
