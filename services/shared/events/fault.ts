import { z } from "zod";

/** Why a delivery was given up on. */
export const faultKinds = ["contract", "handler"] as const;

/** A fault event: what went to the dead-letter topic, why, and where to hand it back. */
export const faultSchema = z.object({
  faultId: z.uuid(),
  kind: z.enum(faultKinds),
  reason: z.string(),
  /** The app and route that failed the delivery; a redrive hands the event back to them. */
  subscriber: z.string(),
  route: z.string(),
  topic: z.string(),
  attempts: z.number().int().min(1),
  failedAt: z.iso.datetime(),
  region: z.string(),
  /** The CloudEvent as it was delivered. */
  cloudEvent: z.record(z.string(), z.unknown()),
});
export type Fault = z.infer<typeof faultSchema>;
