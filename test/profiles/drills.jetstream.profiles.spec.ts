import { drillSuite } from "../support/drill-suite.js";

drillSuite({ pubsub: "jetstream", state: "redis" });
