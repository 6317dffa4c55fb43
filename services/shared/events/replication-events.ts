import { z } from "zod";
import { eventType } from "./event-types.js";

export const replicationEventTypes = {
  /** A region's count of each peer's order events it has applied, sent to that peer. */
  acknowledged: eventType("replication.acknowledged"),
} as const;

export const replicationAcknowledgedV1 = z.object({
  /** The region that applied the events. */
  region: z.string().min(1),
  /** Origin region -> how many of its order events the sender holds. */
  applied: z.record(z.string(), z.number().int().min(0)),
});
export type ReplicationAcknowledged = z.infer<typeof replicationAcknowledgedV1>;
