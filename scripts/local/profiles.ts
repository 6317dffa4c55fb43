/**
 * The broker and store profiles the local runner can start: chosen by the settings PUBSUB and
 * STATE (`npm start`, the tests, the drills and the benchmark alike). Nothing else changes with
 * them: the services never know which one is in use.
 */
import { z } from "zod";

export const localPubsubProfiles = ["redis", "jetstream", "rabbitmq"] as const;
export const localStateProfiles = ["redis", "postgresql", "mysql"] as const;
export type LocalPubsubProfile = (typeof localPubsubProfiles)[number];
export type LocalStateProfile = (typeof localStateProfiles)[number];

export interface LocalProfiles {
  readonly pubsub: LocalPubsubProfile;
  readonly state: LocalStateProfile;
}

export const defaultProfiles: LocalProfiles = { pubsub: "redis", state: "redis" };

export const profileSettings = z.object({
  PUBSUB: z.enum(localPubsubProfiles).default(defaultProfiles.pubsub),
  STATE: z.enum(localStateProfiles).default(defaultProfiles.state),
});

/** The profiles named by PUBSUB and STATE in an environment (defaults: Redis for both). */
export function profilesFromEnv(env: NodeJS.ProcessEnv = process.env): LocalProfiles {
  const parsed = profileSettings.safeParse(env);
  if (!parsed.success) {
    throw new Error(`invalid profile setting: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  }
  return { pubsub: parsed.data.PUBSUB, state: parsed.data.STATE };
}
