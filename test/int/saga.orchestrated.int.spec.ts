import { sagaSuite } from "../support/saga-suite.js";

// The same suite with region east orchestrated: the order-saga workflow (Dapr Workflow, with
// placement, scheduler and the actor state store) drives the saga through the services' commands.
sagaSuite({ pubsub: "redis", state: "redis" }, { saga: "orchestration" });
