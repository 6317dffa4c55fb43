/** A Prometheus alerting rule and rule group, as a rule file (and a PrometheusRule) holds them. */
export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  /** How long the condition must hold before the alert fires: filters blips. */
  readonly for: string;
  readonly labels: { readonly severity: Severity };
  readonly annotations: { readonly summary: string; readonly description: string };
}

export interface RuleGroup {
  readonly name: string;
  readonly rules: readonly AlertRule[];
}

/** page: someone acts now (users are affected); ticket: look at it in working hours. */
export type Severity = "page" | "ticket";
