/**
 * The generated dashboards and alert rules against a real Prometheus scraping a real system:
 * every panel query parses and returns data after a short scenario, every alert expression
 * parses and evaluates, and the rule files pass promtool.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { alertsDir } from "../../observability/paths.js";
import { ruleFiles } from "../../observability/rules/index.js";
import { type PrometheusHandle, startPrometheus } from "../../scripts/local/prometheus.js";
import type { SystemHandle } from "../../scripts/local/system.js";
import { eventually, isAlive, startTestSystem } from "../support/system.js";
import { activeAlerts, instantQuery, ruleGroups, seriesCount } from "./prometheus-api.js";
import { alertExpressions, panelQueries, substitute, variableQueries } from "./queries.js";
import { driveScenario } from "./scenario.js";

const home = "east";
const other = "west";
/** What Grafana would send for the variables, with one region picked. */
const variableValues = { region: home, __rate_interval: "1m", __range: "1h" };

const panels = panelQueries().map((q) => ({ ...q, expr: substitute(q.expr, variableValues) }));
const variables = variableQueries();
const alerts = alertExpressions();

let system: SystemHandle;
let prometheus: PrometheusHandle;
let pids: number[] = [];

beforeAll(async () => {
  // With the workflow control plane each region also runs order-saga (idle under choreography),
  // so the Workflows panels have its series, which exist from its start.
  system = await startTestSystem([home, other], { workflows: { placement: inject("placement"), scheduler: inject("scheduler") } });
  prometheus = await startPrometheus(system, { dir: mkdtempSync(join(tmpdir(), "meridian-prometheus-")), scrapeInterval: "1s" });
  pids = system.group.pids;
  await driveScenario(system, home, other);
  // Counters appear at their first increment and a rate needs two samples after that: wait
  // until the last of them has been scraped into every query, or report the stragglers below.
  const deadline = Date.now() + 45_000;
  while (Date.now() < deadline) {
    const empty = (await Promise.all(panels.map((q) => seriesCount(prometheus.url, q.expr)))).filter((n) => n === 0);
    if (empty.length === 0) break;
    await new Promise((r) => setTimeout(r, 1000));
  }
}, 300_000);

afterAll(async () => {
  await system?.stop();
  // Prometheus ran in the system's process group: it is gone with everything else.
  expect(pids).toContain(prometheus?.process.child.pid);
  expect(pids.filter(isAlive)).toEqual([]);
});

describe("dashboards against a real Prometheus", () => {
  it("has queries to check: three dashboards' worth", () => {
    expect(panels.length).toBeGreaterThan(30);
  });

  it.each(panels)("$name returns data", async ({ expr }) => {
    const answer = await instantQuery(prometheus.url, expr);
    expect(answer.error, expr).toBeUndefined();
    expect(answer.status).toBe("success");
    expect(answer.data?.result.length, `no series for ${expr}`).toBeGreaterThan(0);
  });

  it("counts the scenario's orders exactly: 5 placed, 3 confirmed, 1 rejected, 2 cancelled", async () => {
    const inRange = panels.find((p) => p.name.includes("Order events in range"));
    expect(inRange).toBeDefined();
    const counts = async () =>
      Object.fromEntries(
        (await instantQuery(prometheus.url, inRange!.expr)).data?.result.map((s) => [s.metric["type"], Number(s.value[1])]) ?? [],
      );
    // Declined by payment and cancelled by the user: two cancellations, one of a confirmed order.
    const expected = {
      "io.meridian.order.placed": 5,
      "io.meridian.order.confirmed": 3,
      "io.meridian.order.rejected": 1,
      "io.meridian.order.cancelled": 2,
    };
    const same = (c: Record<string, number>) => Object.keys(c).length === 4 && Object.entries(expected).every(([type, n]) => c[type] === n);
    expect(await eventually(counts, same, 10_000, 500)).toEqual(expected);
  });

  it.each(variables)("$name lists both regions", async ({ expr }) => {
    const answer = await instantQuery(prometheus.url, expr);
    expect(answer.status, answer.error).toBe("success");
    expect(answer.data?.result.map((s) => Object.values(s.metric)[0]).sort()).toEqual([home, other]);
  });
});

describe("alert rules against a real Prometheus", () => {
  it.each(alerts)("$name parses and evaluates", async ({ expr }) => {
    const answer = await instantQuery(prometheus.url, expr);
    expect(answer.error, expr).toBeUndefined();
    expect(answer.status).toBe("success");
  });

  it("raise MeridianDeadLetters for the scenario's dead letters, of both kinds", async () => {
    const deadLetterAlerts = async () =>
      (await activeAlerts(prometheus.url)).filter((a) => a.labels["alertname"] === "MeridianDeadLetters" && a.labels["region"] === home);
    const raised = await eventually(
      deadLetterAlerts,
      (as) => ["contract", "handler"].every((kind) => as.some((a) => a.labels["kind"] === kind)),
      15_000,
      500,
    );
    expect(raised.every((a) => a.labels["severity"] === "ticket")).toBe(true);
  });

  it("are loaded by Prometheus from observability/alerts and evaluate without error", async () => {
    const groups = await ruleGroups(prometheus.url);
    expect(groups.map((g) => g.name).sort()).toEqual(ruleFiles.flatMap((f) => f.groups.map((g) => g.name)).sort());
    const rules = groups.flatMap((g) => g.rules);
    expect(rules).toHaveLength(alerts.length);
    for (const rule of rules)
      expect({ rule: rule.name, health: rule.health, lastError: rule.lastError ?? "" }).toEqual({
        rule: rule.name,
        health: "ok",
        lastError: "",
      });
  });

  it("pass promtool check rules", () => {
    const res = spawnSync("promtool", ["check", "rules", ...ruleFiles.map((f) => join(alertsDir, f.file))], { encoding: "utf8" });
    expect(res.error, "promtool comes with Debian's prometheus package").toBeUndefined();
    expect(res.status, `${res.stdout}${res.stderr}`).toBe(0);
  });

  it("the scrape configuration passes promtool check config", () => {
    const res = spawnSync("promtool", ["check", "config", prometheus.configFile], { encoding: "utf8" });
    expect(res.status, `${res.stdout}${res.stderr}`).toBe(0);
  });
});
