/**
 * Region configs with every store and broker moved off Redis (PostgreSQL state, JetStream
 * pub/sub): nowhere for the leases to live. The lease rule's tests start from these.
 */
export function offRedis<R extends { readonly name: string }>(regions: readonly R[]) {
  return regions.map((r) => ({
    ...r,
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
