import { sagaSuite } from "../support/saga-suite.js";
import { createTestDatabase } from "../support/postgres.js";

// The same saga, with every state store on PostgreSQL: chosen by component YAML only.
sagaSuite("PostgreSQL state stores", async () => {
  const db = await createTestDatabase();
  return { profile: { kind: "postgresql", connectionString: db.connectionString }, cleanup: db.drop };
});
