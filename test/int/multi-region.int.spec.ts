import { replicationSuite } from "../support/replication-suite.js";

// The default profiles; test/profiles/ runs the same on every other pub/sub profile.
replicationSuite();
