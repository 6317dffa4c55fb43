import { replicationSuite } from "../support/replication-suite.js";
import { sagaSuite } from "../support/saga-suite.js";

// The same suite with region east orchestrated: the order-saga workflow (Dapr Workflow, with
// placement, scheduler and the actor state store) drives the saga through the services' commands.
sagaSuite({ pubsub: "redis", state: "redis" }, { saga: "orchestration" });

// Regions of different styles replicate to each other unchanged: only order events cross, and
// both styles write the same ones.
replicationSuite({ pubsub: "redis", state: "redis" }, { saga: { east: "orchestration", west: "choreography" } });
