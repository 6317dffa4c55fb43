import type { RuleGroup } from "./rule.js";
import { replicationRules } from "./replication.js";
import { sagaRules } from "./saga.js";
import { serviceRules } from "./services.js";
import { sidecarRules } from "./sidecars.js";

/** Every rule file and its groups, written to observability/alerts/. */
export const ruleFiles: readonly { readonly file: string; readonly groups: readonly RuleGroup[] }[] = [
  { file: "services.yaml", groups: [serviceRules] },
  { file: "saga.yaml", groups: [sagaRules] },
  { file: "dapr.yaml", groups: [sidecarRules] },
  { file: "replication.yaml", groups: [replicationRules] },
];
