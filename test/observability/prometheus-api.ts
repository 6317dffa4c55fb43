/** The slice of Prometheus's HTTP API the test uses. */
export interface QueryAnswer {
  readonly status: "success" | "error";
  readonly error?: string;
  readonly data?: {
    readonly resultType: string;
    /** For a vector: each series' labels and its [time, value as text]. */
    readonly result: readonly { readonly metric: Record<string, string>; readonly value: readonly [number, string] }[];
  };
}

export async function instantQuery(baseUrl: string, expr: string): Promise<QueryAnswer> {
  const res = await fetch(`${baseUrl}/api/v1/query`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ query: expr }),
    signal: AbortSignal.timeout(10_000),
  });
  return (await res.json()) as QueryAnswer;
}

/** Series an instant query returns; 0 for an error or a scalar. */
export async function seriesCount(baseUrl: string, expr: string): Promise<number> {
  const answer = await instantQuery(baseUrl, expr);
  return answer.status === "success" && answer.data?.resultType === "vector" ? answer.data.result.length : 0;
}

export interface RuleGroupState {
  readonly name: string;
  readonly rules: readonly {
    readonly name: string;
    readonly health: string;
    readonly lastError?: string;
    readonly lastEvaluation: string;
  }[];
}

export async function ruleGroups(baseUrl: string): Promise<RuleGroupState[]> {
  const res = await fetch(`${baseUrl}/api/v1/rules`, { signal: AbortSignal.timeout(10_000) });
  return ((await res.json()) as { data: { groups: RuleGroupState[] } }).data.groups;
}

export interface ActiveAlert {
  readonly labels: Record<string, string>;
  readonly state: "pending" | "firing";
}

/** Alerts whose expression holds now: pending until their `for` has passed, then firing. */
export async function activeAlerts(baseUrl: string): Promise<ActiveAlert[]> {
  const res = await fetch(`${baseUrl}/api/v1/alerts`, { signal: AbortSignal.timeout(10_000) });
  return ((await res.json()) as { data: { alerts: ActiveAlert[] } }).data.alerts;
}
