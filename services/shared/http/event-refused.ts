/**
 * An event refused for good (services/shared/orders/event-checks.ts), as its sender recognises
 * the answer (the receiver answers it as any domain error, see problem-types.ts). 422, not 400: the event satisfies its contract
 * (that is checked first, and a contract violation stays a 400) but not the rules that relate
 * it to its order and to where it came from. The sender must not retry it: the same bytes
 * would be refused again.
 */
import { InvocationError } from "../errors.js";
import { problemTypes } from "./problem-types.js";

/** The problem type (services/shared/http/problem-types.ts): `reason` names the rule broken, the other extensions what was found. */
export const eventRefusedProblem = problemTypes["event-refused"];

/** Whether an invoked app refused an event for good (as opposed to "not yet", or an outage). */
export function isEventRefusal(err: unknown): err is InvocationError {
  return err instanceof InvocationError && err.status === eventRefusedProblem.status && err.problem?.type === eventRefusedProblem.type;
}
