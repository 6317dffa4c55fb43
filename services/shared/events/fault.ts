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

/**
 * A fault as the dead-letter keeper received it. Who failed a delivery is never taken from the
 * fault's body: any app may publish a body naming any subscriber into its own dead-letter topic,
 * while topic scopes let only `<app>` (and its sidecar) publish to `deadletter-<app>`. So the
 * topic it arrived on names the subscriber, and a redrive may go only to that app.
 */
export interface ReceivedFault extends Fault {
  /** The dead-letter topic it arrived on (deadLetterTopicOf(subscriber)). */
  readonly deadLetterTopic: string;
  /**
   * Present only when the body named another app than the topic's: kept to show what was
   * claimed, and such a fault is never redriven.
   */
  readonly declaredSubscriber?: string;
}
