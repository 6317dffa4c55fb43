import type { Decided } from "../domain/decision.js";

/** What handling an event did; counted per event, and `duplicate` also in the duplicates counter. */
export type Outcome = "applied" | "duplicate" | "ignored";

/** A reaction's outcome from what its decision said. */
export function outcomeOf(decision: Decided<object>): Outcome {
  return decision.kind === "write" ? "applied" : decision.kind === "duplicate" ? "duplicate" : "ignored";
}
