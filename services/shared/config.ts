import { z } from "zod";
import { defaultSagaStyle, sagaStyles } from "../../platform/topology.js";

/** Thrown when the environment does not describe a valid configuration; names every bad variable. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

export const port = z.coerce.number().int().min(1).max(65535);
export const regionName = z.string().regex(/^[a-z][a-z0-9-]{0,30}$/, "must be a lower-case DNS label");

/** Variables every service reads. Service-specific schemas extend this one. */
export const baseEnvSchema = z.object({
  REGION: regionName,
  APP_PORT: port,
  /** Loopback locally; 0.0.0.0 in a pod so the kubelet can probe it. */
  BIND_HOST: z.string().default("127.0.0.1"),
  DAPR_HTTP_PORT: port.default(3500),
  DAPR_API_TOKEN: z.string().min(1).optional(),
  /** When set, requests from daprd must carry it in the `dapr-api-token` header. */
  APP_API_TOKEN: z.string().min(1).optional(),
  SERVICE_VERSION: z.string().default("0.1.0"),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
  /**
   * Writers publish each committed event at once, besides Dapr's outbox, which waits a second per
   * message (see CommitPublisher). "false" leaves it to the outbox: the benchmark's "before".
   */
  /**
   * How writers keep each other off the keys they decide about: `process` within this process
   * (one replica, or a store whose transactions roll back), `distributed` across every replica
   * through Dapr's lock building block (several replicas on Redis, whose transactions do not).
   */
  WRITE_LEASE: z.enum(["process", "distributed"], { message: 'must be "process" or "distributed"' }).default("process"),
  /**
   * How this region runs its saga (platform/topology.ts `sagaStyles`): under `orchestration` the
   * order-saga workflow calls the services' commands, and their subscriptions leave the saga's
   * events of this region alone.
   */
  SAGA: z.enum(sagaStyles, { message: 'must be "choreography" or "orchestration"' }).default(defaultSagaStyle),
  PUBLISH_ON_COMMIT: z
    .enum(["true", "false"], { message: 'must be "true" or "false"' })
    .default("true")
    .transform((v) => v === "true"),
});
export type BaseConfig = z.infer<typeof baseEnvSchema>;

/** The operator port of a service that has admin endpoints (the gateway). */
export const adminEnvSchema = z.object({
  ADMIN_PORT: port,
  /** Loopback locally; 0.0.0.0 in a pod, where only the admin Service (cluster-internal) reaches it. */
  ADMIN_BIND_HOST: z.string().default("127.0.0.1"),
  /** The operator's credential, sent as `Authorization: Bearer …`. Long and random: it guards writes. */
  ADMIN_TOKEN: z.string().min(24, "must be at least 24 characters (a random secret)"),
});
export type AdminConfig = z.infer<typeof adminEnvSchema>;

/**
 * The public edge (the gateway): who signs customers in (it accepts only access tokens this
 * issuer signed for this audience) and how many requests one client may make.
 */
export const publicEdgeEnvSchema = z.object({
  /** The OpenID Connect issuer URL, exactly as tokens name it in `iss` (its discovery document is read from it). */
  OIDC_ISSUER: z.url({ protocol: /^https?$/, message: "must be the issuer's URL" }),
  /** The audience (`aud`) tokens must be issued for: this API. */
  OIDC_AUDIENCE: z.string().min(1),
  /** Requests per second one client (a signed-in customer, else an address) may make, sustained. */
  RATE_LIMIT_PER_SECOND: z.coerce.number().positive().default(50),
  /** Requests one client may make at once after a quiet spell. */
  RATE_LIMIT_BURST: z.coerce.number().int().min(1).default(200),
});

/** Parses the environment once at start-up; the error message names each offending variable. */
export function loadConfig<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const parsed = schema.safeParse(env);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "(env)"}: ${i.message}`);
  throw new ConfigError(`invalid configuration: ${problems.join("; ")}`);
}
