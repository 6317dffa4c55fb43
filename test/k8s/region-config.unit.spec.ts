import { describe, expect, it } from "vitest";
import { defaultRegionConfigs, regionsSchema } from "../../platform/regions.js";
import { offRedis } from "./off-redis.js";
import { synthesise } from "./synth.js";

/** The default regions, with every store and broker off Redis: nowhere for the leases to live. */
function withoutRedis(replicasMax: number) {
  return offRedis(defaultRegionConfigs()).map((r) => ({ ...r, replicas: { min: 1, max: replicasMax } }));
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
