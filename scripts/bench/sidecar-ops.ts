/**
 * What each sidecar did, by kind of operation, from daprd's own Prometheus metrics (Dapr 1.16):
 * the counts are read before and after a window and divided by the orders confirmed in it, so
 * the report can say "one order costs n state transactions in orders' sidecar".
 */
import { lockApiPaths } from "../../platform/dapr/configuration.js";
import { type Sample, parseSamples } from "./metrics-text.js";

export const opKinds = [
  "invocations sent",
  "invocations received",
  "state gets",
  "state bulk gets",
  "state transactions",
  "state sets",
  "state deletes",
  "publishes",
  "deliveries",
  "delivery batches",
  "lock calls",
  "HTTP API requests",
] as const;
export type OpKind = (typeof opKinds)[number];
export type OpCounts = Record<OpKind, number>;

export const noOps = (): OpCounts => Object.fromEntries(opKinds.map((k) => [k, 0])) as OpCounts;

const stateOperations: Readonly<Record<string, OpKind>> = {
  get: "state gets",
  query: "state gets",
  bulk_get: "state bulk gets",
  transaction: "state transactions",
  set: "state sets",
  delete: "state deletes",
  bulk_delete: "state deletes",
};

/** Which kind a sample counts, if any; undefined for every other metric. */
function kindOf(s: Sample): OpKind | undefined {
  switch (s.name) {
    case "dapr_runtime_service_invocation_req_sent_total":
      return "invocations sent";
    case "dapr_runtime_service_invocation_req_recv_total":
      return "invocations received";
    case "dapr_component_state_count":
      return stateOperations[s.labels["operation"] ?? ""];
    // Publishes the app asked for (single or bulk, counted per event). The outbox's own internal
    // publish inside a state transaction is not a metric in 1.16; its relay shows as a delivery.
    case "dapr_component_pubsub_egress_count":
    case "dapr_component_pubsub_egress_bulk_event_count":
      return "publishes";
    // Messages handed to the app: one by one, or per event of a bulk delivery.
    case "dapr_component_pubsub_ingress_count":
    case "dapr_component_pubsub_ingress_bulk_event_count":
      return "deliveries";
    // One HTTP call to the app per bulk batch.
    case "dapr_component_pubsub_ingress_bulk_count":
      return "delivery batches";
    // Every call of the app to its sidecar's HTTP API; the lock API is labelled by its pattern
    // (platform/dapr/configuration.ts), every other path is left blank to keep cardinality low.
    case "dapr_http_server_request_count":
      return "HTTP API requests";
    default:
      return undefined;
  }
}

/** One sidecar's cumulative counts by kind, from its metrics endpoint's text. */
export function countOps(metricsText: string): OpCounts {
  const counts = noOps();
  for (const s of parseSamples(metricsText)) {
    const kind = kindOf(s);
    if (kind === undefined || !Number.isFinite(s.value)) continue;
    counts[kind] += s.value;
    if (s.name === "dapr_http_server_request_count" && (lockApiPaths as readonly string[]).includes(s.labels["path"] ?? "")) {
      counts["lock calls"] += s.value;
    }
  }
  return counts;
}

export function subtractOps(after: OpCounts, before: OpCounts): OpCounts {
  return Object.fromEntries(opKinds.map((k) => [k, after[k] - before[k]])) as OpCounts;
}

export function addOps(a: OpCounts, b: OpCounts): OpCounts {
  return Object.fromEntries(opKinds.map((k) => [k, a[k] + b[k]])) as OpCounts;
}

/** Counts divided by the orders they served; NaN when no order was confirmed (nothing to divide by). */
export function perOrder(counts: OpCounts, orders: number): OpCounts {
  return Object.fromEntries(opKinds.map((k) => [k, orders > 0 ? counts[k] / orders : Number.NaN])) as OpCounts;
}

/** One sidecar's operations in the window. */
export interface SidecarOpsRow {
  readonly region: string;
  readonly app: string;
  readonly ops: OpCounts;
}

/**
 * Rows summed per app (replicas of an app, and, without `region`, both regions together), in
 * the order apps first appear, followed by nothing else: the caller adds the total.
 */
export function opsByApp(rows: readonly SidecarOpsRow[], region?: string): { app: string; ops: OpCounts }[] {
  const byApp = new Map<string, OpCounts>();
  for (const r of rows) {
    if (region !== undefined && r.region !== region) continue;
    byApp.set(r.app, addOps(byApp.get(r.app) ?? noOps(), r.ops));
  }
  return [...byApp].map(([app, ops]) => ({ app, ops }));
}

export function totalOps(rows: readonly { ops: OpCounts }[]): OpCounts {
  return rows.reduce((sum, r) => addOps(sum, r.ops), noOps());
}

/** Reads one sidecar's metrics endpoint. */
export async function scrapeOps(metricsPort: number): Promise<OpCounts> {
  const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`, { signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`daprd metrics on port ${metricsPort} answered ${res.status}`);
  return countOps(await res.text());
}
