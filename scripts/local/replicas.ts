/**
 * How many instances of each app a region runs: REPLICAS for every app, REPLICAS_<APP> for one
 * (REPLICAS_ORDERS=3, REPLICAS_ORDER_VIEW=2). `npm start`, the drills, the benchmark and the
 * chaos run read the same settings.
 */
import { z } from "zod";
import { type AppId, allApps } from "../../platform/topology.js";

const count = z.coerce.number().int().min(1, "must be at least 1").max(8, "must be at most 8");

/** REPLICAS_<APP>: the app-id upper-cased, dashes as underscores. */
export const replicasVariable = (app: AppId): string => `REPLICAS_${app.toUpperCase().replace(/-/g, "_")}`;

export function replicasFromEnv(env: NodeJS.ProcessEnv = process.env): Partial<Record<AppId, number>> {
  const read = (name: string): number | undefined => {
    const raw = env[name];
    if (raw === undefined || raw === "") return undefined;
    const parsed = count.safeParse(raw);
    if (!parsed.success) throw new Error(`invalid ${name}=${raw}: ${parsed.error.issues[0]?.message ?? "not a count"}`);
    return parsed.data;
  };
  const all = read("REPLICAS");
  const replicas: Partial<Record<AppId, number>> = {};
  for (const app of allApps) {
    const n = read(replicasVariable(app)) ?? all;
    if (n !== undefined) replicas[app] = n;
  }
  return replicas;
}

/** Every app at `n` replicas. */
export const everyApp = (n: number): Partial<Record<AppId, number>> => Object.fromEntries(allApps.map((app) => [app, n]));
