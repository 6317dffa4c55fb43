import { describe, expect, it } from "vitest";
import { defaultRegionConfigs, regionsSchema } from "../../platform/regions.js";
import { synthesise } from "./synth.js";

/** The default regions, with every store and broker off Redis: nowhere for the leases to live. */
function withoutRedis(replicasMax: number) {
  return defaultRegionConfigs().map((r) => ({
    ...r,
    replicas: { min: 1, max: replicasMax },
    state: {
      profile: "postgresql" as const,
      endpoint: { host: "pg", port: 5432, tls: false, reach: { namespace: "db" } },
      connectionString: { name: "pg", key: "dsn" },
    },
    pubsub: {
      profile: "jetstream" as const,
      endpoint: { host: "nats", port: 4222, tls: false, reach: { namespace: "nats" } },
      token: { name: "nats", key: "token" },
      crossRegionEndpoint: { host: `nats.${r.name}`, port: 4222, tls: true, reach: { cidr: "10.0.0.0/8" } },
    },
  }));
}

describe("region config: what synth refuses", () => {
  it("refuses replicated apps without a lock store, naming the setting", () => {
    const parsed = regionsSchema.safeParse(withoutRedis(3));
    expect(parsed.success).toBe(false);
    const issue = parsed.error?.issues.find((i) => i.path.at(-1) === "lock");
    expect(issue?.message).toMatch(/replicas\.max is 3.*set lock/);
  });

  it("accepts them alone, or with a Redis named for the leases", () => {
    expect(regionsSchema.safeParse(withoutRedis(1)).success).toBe(true);
    const lock = {
      endpoint: { host: "redis-locks", port: 6379, tls: false, reach: { namespace: "redis" } },
      password: { name: "locks", key: "pw" },
    };
    expect(regionsSchema.safeParse(withoutRedis(3).map((r) => ({ ...r, lock }))).success).toBe(true);
  });

  it("runs replicated writers with distributed leases over the region's lock component", () => {
    const [east] = synthesise();
    const lock = east!.find("Component", "lock");
    expect(lock["spec"].type).toBe("lock.redis");
    for (const d of east!.ofKind("Deployment").filter((x) => x["spec"].template.metadata.annotations?.["dapr.io/enabled"] === "true")) {
      const env = d["spec"].template.spec.containers[0].env as { name: string; value?: string }[];
      expect(env.find((e) => e.name === "WRITE_LEASE")?.value, d.metadata.name).toBe("distributed");
    }
  });
});
