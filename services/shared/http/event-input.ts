import { ContractError, checkEvent } from "../events/contracts.js";
import type { EventRecord } from "../events/envelope.js";
import { badRequest } from "./problem.js";

/** An event a caller hands in (replication, restore, the saga's commands): one that breaks its contract is the caller's error. */
export function eventFromCaller(raw: unknown, where: string): EventRecord {
  try {
    return checkEvent(raw);
  } catch (err) {
    if (err instanceof ContractError) throw badRequest(`${where}: ${err.message}`);
    throw err;
  }
}
