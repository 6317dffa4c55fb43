import { readFileSync } from "node:fs";
import { customerAuth } from "./auth.js";
import { parse } from "yaml";
import { z } from "zod";
import { defaultRegions, defaultSagaStyle, sagaStyles } from "./topology.js";

/**
 * Per-region deployment facts for the Kubernetes manifests (k8s/): where each region's brokers
 * and stores are, which regions it replicates with, images, replicas and trace sampling.
 * Defaults cover any list of region names; a YAML or JSON file (REGIONS_CONFIG) replaces them
 * and goes through the same schema, so a bad value fails `npm run synth` with its path.
 */

const dnsLabel = z.string().regex(/^[a-z][a-z0-9-]{0,30}$/, "must be a lower-case DNS label");
const secretRef = z.object({ name: dnsLabel, key: z.string().min(1) }).strict();

/**
 * How a NetworkPolicy reaches an endpoint: policies match pods and IPs, never DNS names, so each
 * address says which namespace (in this cluster) or which CIDR (outside it) it lives in.
 */
const reach = z.union([z.object({ namespace: dnsLabel }).strict(), z.object({ cidr: z.cidrv4() }).strict()]);

const endpoint = z
  .object({
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535),
    tls: z.boolean().default(false),
    reach,
  })
  .strict();
export type Endpoint = z.infer<typeof endpoint>;

/**
 * Pub/sub profiles (platform/dapr/pubsub.ts). `redis`, `jetstream` and `rabbitmq` are the ones
 * the local runner and the tests run; `kafka` renders manifests only and is not tested here.
 * Each names how other regions reach the broker (the peer link), usually a TLS load balancer.
 */
const pubsubProfile = z.discriminatedUnion("profile", [
  z
    .object({
      profile: z.literal("redis"),
      endpoint,
      /** Secret holding the Redis password; resolved by the Dapr operator, never written in YAML. */
      password: secretRef,
      crossRegionEndpoint: endpoint,
    })
    .strict(),
  z
    .object({
      profile: z.literal("jetstream"),
      endpoint,
      /** Secret holding the NATS server's authorization token. */
      token: secretRef,
      crossRegionEndpoint: endpoint,
    })
    .strict(),
  z
    .object({
      profile: z.literal("rabbitmq"),
      /** Only for the NetworkPolicy; the address itself is inside the connection strings. */
      endpoint,
      /** Secret holding the AMQP URI this region's apps use: user, password and the region's virtual host. */
      connectionString: secretRef,
      crossRegionEndpoint: endpoint,
    })
    .strict(),
  z
    .object({
      profile: z.literal("kafka"),
      brokers: z.array(endpoint).min(1),
      /** SASL/SCRAM credentials. */
      username: z.string().min(1),
      password: secretRef,
      crossRegionBrokers: z.array(endpoint).min(1),
    })
    .strict(),
]);
export type PubsubProfile = z.infer<typeof pubsubProfile>;

/** State store profiles (platform/dapr/state.ts): all transactional, which Dapr's outbox requires. */
const stateProfile = z.discriminatedUnion("profile", [
  z.object({ profile: z.literal("redis"), endpoint, password: secretRef }).strict(),
  z
    .object({
      profile: z.literal("postgresql"),
      /** Only for the NetworkPolicy; the address itself is inside the connection string. */
      endpoint,
      /** Secret holding the full connection string (host, database, user, password, sslmode). */
      connectionString: secretRef,
    })
    .strict(),
  z
    .object({
      profile: z.literal("mysql"),
      /** Only for the NetworkPolicy; the address itself is inside the connection string. */
      endpoint,
      /** Secret holding a Go MySQL DSN without a database: `user:password@tcp(host:3306)/`. */
      connectionString: secretRef,
      /** The region's own database (created when missing): one table per store. */
      database: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, "must be a lower-case SQL identifier"),
    })
    .strict(),
]);
export type StateProfile = z.infer<typeof stateProfile>;

const otelExporter = z.discriminatedUnion("kind", [
  /** Logs spans in the collector's own output: enough to see traces flow without a backend. */
  z.object({ kind: z.literal("debug") }).strict(),
  z.object({ kind: z.literal("otlp"), endpoint }).strict(),
]);

/**
 * How the region's public API is reached from outside the cluster: an Ingress for an ingress
 * controller, or a Gateway API HTTPRoute attached to an existing Gateway. Either way only the
 * gateway app's public paths are routed (platform/topology.ts `gatewayPublicPaths`).
 */
const exposure = z.discriminatedUnion("kind", [
  z
    .object({
      kind: z.literal("ingress"),
      className: z.string().min(1),
      host: z.string().min(1),
      /** A TLS Secret (kubernetes.io/tls) for the host in the app namespace; plain HTTP without. */
      tlsSecret: dnsLabel.optional(),
    })
    .strict(),
  z
    .object({
      kind: z.literal("httproute"),
      host: z.string().min(1),
      gateway: z.object({ name: dnsLabel, namespace: dnsLabel, sectionName: z.string().min(1).optional() }).strict(),
    })
    .strict(),
]);
export type Exposure = z.infer<typeof exposure>;

export const regionSchema = z
  .object({
    name: dnsLabel,
    namespace: dnsLabel.default("meridian"),
    /** Regions this one replicates with; their broker's cross-region endpoint becomes a peer link. */
    peers: z.array(dnsLabel),
    pubsub: pubsubProfile,
    state: stateProfile,
    images: z
      .object({
        /** One image for every app (the Dockerfile): `<registry>/meridian:<tag>`. */
        registry: z.string().min(1),
        tag: z.string().min(1),
        /** Pins the image by content once pushed: `<registry>/meridian:<tag>@<digest>`. */
        digest: z
          .string()
          .regex(/^sha256:[0-9a-f]{64}$/, "must be sha256:<64 hex digits>")
          .optional(),
        collector: z.string().min(1),
      })
      .strict(),
    exposure,
    replicas: z
      .object({ min: z.number().int().min(1), max: z.number().int().min(1) })
      .strict()
      .refine((r) => r.max >= r.min, "max must be at least min"),
    tracing: z
      .object({
        /** Dapr's `samplingRate`: "1" samples everything, "0" nothing. */
        samplingRate: z.string().regex(/^(0(\.\d+)?|1(\.0+)?)$/, "must be a number from 0 to 1"),
        exporter: otelExporter,
      })
      .strict(),
    monitoring: z
      .object({
        /** Namespace of Prometheus (kube-prometheus-stack), allowed to scrape the pods. */
        namespace: dnsLabel,
        /** Labels the Prometheus operator selects PodMonitors and PrometheusRules by. */
        selectorLabels: z.record(z.string(), z.string()),
      })
      .strict(),
    deploymentEnvironment: z.string().min(1),
    /**
     * Who signs customers in: the OpenID Connect issuer whose access tokens the gateway accepts
     * (`iss`, exactly as its tokens name it), the audience they must be issued for (the same API
     * in every region, so a token works wherever the global entry sends it), and how the
     * gateway's pods reach the issuer for its discovery document and keys (a NetworkPolicy peer).
     */
    auth: z
      .object({
        issuer: z.url({ protocol: /^https$/, message: "must be the issuer's https URL" }),
        audience: z.string().min(1),
        reach,
      })
      .strict(),
    /**
     * Where pods reach the Kubernetes API server, as a NetworkPolicy sees it (the endpoints behind
     * the `kubernetes` Service): the collector's k8sattributes processor watches pods there. The
     * default allows any address on the usual ports; narrow it to the cluster's control plane.
     */
    kubernetesApi: z
      .object({ cidr: z.cidrv4(), ports: z.array(z.number().int().min(1).max(65535)).min(1) })
      .strict()
      .default({ cidr: "0.0.0.0/0", ports: [443, 6443] }),
    /**
     * The Redis the writers' leases live in (Dapr's lock.redis). Optional: by default the state
     * store's Redis, else the broker's; one of them must exist when an app may run as several
     * replicas (replicas.max > 1), or `npm run synth` refuses the config.
     */
    lock: z.object({ endpoint, password: secretRef }).strict().optional(),
    /**
     * How the region runs its saga (platform/topology.ts `sagaStyles`), passed to the services as
     * SAGA. Regions may differ: the order events are the same in both styles. `orchestration`
     * also deploys the workflow app (order-saga) and its actor state store, on the region's state
     * store; placement and scheduler come from the cluster's Dapr control plane (k8s/README.md).
     * No rule of its own: order-saga holds no leases (each workflow is an actor, which placement
     * gives to one replica at a time), so several replicas of it need nothing beyond `lock`'s rule.
     */
    saga: z.enum(sagaStyles).default(defaultSagaStyle),
  })
  .strict();
export type RegionConfig = z.infer<typeof regionSchema>;

/** Where a region's leases live: `lock`, else the Redis of its state store, else of its broker. */
export function lockRedisOf(
  region: Pick<RegionConfig, "lock" | "state" | "pubsub">,
): { endpoint: Endpoint; password: z.infer<typeof secretRef> } | undefined {
  if (region.lock) return region.lock;
  if (region.state.profile === "redis") return { endpoint: region.state.endpoint, password: region.state.password };
  if (region.pubsub.profile === "redis") return { endpoint: region.pubsub.endpoint, password: region.pubsub.password };
  return undefined;
}

export const regionsSchema = z
  .array(regionSchema)
  .min(1)
  .superRefine((regions, ctx) => {
    const names = regions.map((r) => r.name);
    if (new Set(names).size !== names.length) ctx.addIssue({ code: "custom", message: "region names must be unique" });
    regions.forEach((r, i) => {
      // Replicas of a writer on a store without rollback must hold leases; leases need a lock store.
      if (r.replicas.max > 1 && !lockRedisOf(r)) {
        ctx.addIssue({
          code: "custom",
          path: [i, "lock"],
          message: `${r.name}: replicas.max is ${r.replicas.max}, so the writers need leases: set lock (a Redis endpoint and password), or use the redis state or pub/sub profile`,
        });
      }
      for (const peer of r.peers) {
        if (peer === r.name) ctx.addIssue({ code: "custom", path: [i, "peers"], message: `${r.name} cannot peer with itself` });
        else if (!names.includes(peer)) ctx.addIssue({ code: "custom", path: [i, "peers"], message: `unknown peer region ${peer}` });
      }
    });
  });

export { peerLinkApp } from "./dapr/region.js";

/**
 * Defaults for a set of region names: each region peers with every other, with in-cluster
 * Redis from the Bitnami chart and a TLS endpoint for the other regions to reach it.
 */
export function defaultRegionConfigs(names: readonly string[] = defaultRegions): RegionConfig[] {
  return regionsSchema.parse(
    names.map((name, i) => ({
      name,
      peers: names.filter((n) => n !== name),
      pubsub: {
        profile: "redis",
        endpoint: { host: "redis-master.redis.svc.cluster.local", port: 6379, reach: { namespace: "redis" } },
        password: { name: "redis", key: "redis-password" },
        crossRegionEndpoint: { host: `redis.${name}.meridian.internal`, port: 6380, tls: true, reach: { cidr: `10.${100 + i}.0.0/16` } },
      },
      state: {
        profile: "redis",
        endpoint: { host: "redis-master.redis.svc.cluster.local", port: 6379, reach: { namespace: "redis" } },
        password: { name: "redis", key: "redis-password" },
      },
      images: { registry: "ghcr.io/meridian", tag: "0.1.0", collector: "otel/opentelemetry-collector-k8s:0.128.0" },
      exposure: { kind: "ingress", className: "nginx", host: `api.${name}.meridian.internal` },
      replicas: { min: 2, max: 6 },
      tracing: { samplingRate: "0.1", exporter: { kind: "debug" } },
      monitoring: { namespace: "monitoring", selectorLabels: { release: "kube-prometheus-stack" } },
      deploymentEnvironment: "production",
      auth: { issuer: "https://id.meridian.internal", audience: customerAuth.localAudience, reach: { cidr: "0.0.0.0/0" } },
    })),
  );
}

/**
 * The region configuration the manifests are built from: the file named by REGIONS_CONFIG when
 * set, else the defaults for REGIONS (comma-separated; default east,west).
 */
export function loadRegionConfigs(env: NodeJS.ProcessEnv = process.env): RegionConfig[] {
  const file = env["REGIONS_CONFIG"];
  if (file) {
    const parsed = regionsSchema.safeParse(parse(readFileSync(file, "utf8")));
    if (parsed.success) return parsed.data;
    const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
    throw new Error(`${file}: invalid region config: ${problems.join("; ")}`);
  }
  const names = env["REGIONS"]?.split(",").map((s) => s.trim());
  return defaultRegionConfigs(names ?? defaultRegions);
}
