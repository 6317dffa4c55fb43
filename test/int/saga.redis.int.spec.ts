import { sagaSuite } from "../support/saga-suite.js";

sagaSuite("Redis state stores", async () => ({ profile: { kind: "redis" }, cleanup: () => {} }));
