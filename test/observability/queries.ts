/**
 * Every PromQL expression the committed observability files hold: panel queries and variable
 * queries of the dashboards, and alert rule expressions. Read from the generated files, not the
 * sources, so the test proves what is shipped.
 */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { alertsDir, dashboardsDir } from "../../observability/paths.js";

export interface NamedQuery {
  /** Where the expression comes from, e.g. "Meridian / Saga flow › Dead letters by topic [A]". */
  readonly name: string;
  readonly expr: string;
}

interface PanelJson {
  readonly title: string;
  readonly targets?: readonly { readonly expr: string; readonly refId: string }[];
  readonly panels?: readonly PanelJson[];
}
interface DashboardJson {
  readonly title: string;
  readonly panels: readonly PanelJson[];
  readonly templating: { readonly list: readonly { readonly name: string; readonly type: string; readonly query: unknown }[] };
}

const files = (dir: string, ext: string): string[] =>
  readdirSync(dir)
    .filter((f) => f.endsWith(ext))
    .sort()
    .map((f) => join(dir, f));

export const dashboardFiles = (): DashboardJson[] =>
  files(dashboardsDir, ".json").map((f) => JSON.parse(readFileSync(f, "utf8")) as DashboardJson);

export function panelQueries(): NamedQuery[] {
  return dashboardFiles().flatMap((d) =>
    d.panels
      .flatMap((p) => [p, ...(p.panels ?? [])])
      .flatMap((p) => (p.targets ?? []).map((t) => ({ name: `${d.title} › ${p.title} [${t.refId}]`, expr: t.expr }))),
  );
}

/** Query variables as PromQL: Grafana's label_values(metric, label) lists what `group by (label) (metric)` returns. */
export function variableQueries(): NamedQuery[] {
  return dashboardFiles().flatMap((d) =>
    d.templating.list
      .filter((v) => v.type === "query")
      .map((v) => {
        const m = /^label_values\((.+),\s*(\w+)\)$/.exec(String(v.query));
        if (!m) throw new Error(`${d.title}: variable ${v.name} is not a label_values query: ${String(v.query)}`);
        return { name: `${d.title} › variable ${v.name}`, expr: `group by (${m[2]}) (${m[1]})` };
      }),
  );
}

export function alertExpressions(): NamedQuery[] {
  return files(alertsDir, ".yaml").flatMap((f) =>
    (parse(readFileSync(f, "utf8")) as { groups: { name: string; rules: { alert: string; expr: string }[] }[] }).groups.flatMap((g) =>
      g.rules.map((r) => ({ name: `${g.name} › ${r.alert}`, expr: r.expr })),
    ),
  );
}

/**
 * Replaces Grafana's template variables as Grafana would before sending a query, e.g.
 * `$region` -> `east`, `$__rate_interval` -> `1m`. Any variable left over is an error: the
 * query would reach Prometheus with a literal `$` in it.
 */
export function substitute(expr: string, values: Readonly<Record<string, string>>): string {
  const out = expr.replace(/\$\{(\w+)\}|\$(\w+)/g, (whole, braced: string | undefined, bare: string | undefined) => {
    const value = values[braced ?? bare ?? ""];
    if (value === undefined) throw new Error(`no value for ${whole} in ${expr}`);
    return value;
  });
  return out;
}
