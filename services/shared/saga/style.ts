import type { SagaStyle } from "../../../platform/topology.js";
import type { Outcome } from "../application/outcome.js";
import type { EventRecord } from "../events/envelope.js";

type Reaction = (event: EventRecord) => Promise<Outcome>;

/**
 * A saga reaction delivered by subscription, kept only where the region's saga is choreographed.
 * Orchestrated, the workflow calls the same reaction as a command, so the subscription must leave
 * the event alone: otherwise stock would be reserved and payments taken twice over, by both styles.
 * The subscription stays (Dapr still delivers; the event is still contract-checked and counted as
 * ignored), which keeps the rendered resources the same for every region.
 */
export function choreographed(style: SagaStyle, react: Reaction): Reaction {
  return style === "choreography" ? react : () => Promise.resolve("ignored");
}
