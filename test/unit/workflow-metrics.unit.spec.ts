import type { WorkflowContext, WorkflowState } from "@dapr/dapr";
import { WorkflowRuntimeStatus } from "@dapr/dapr";
import { Registry } from "prom-client";
import { describe, expect, it, vi } from "vitest";
import { orderSaga } from "../../platform/topology.js";
import { observed } from "../../services/order-saga/observed-workflow.js";
import { RunningWorkflows, startOverdueCheck } from "../../services/order-saga/running-workflows.js";
import { workflowMetrics, workflowOutcomes } from "../../services/order-saga/workflow-metrics.js";

const started = new Date("2026-01-01T00:00:00Z");

/** The parts of a workflow context the wrapper reads; `replaying` is flipped as the SDK does between old and new events. */
function fakeContext(instanceId: string) {
  const state = { replaying: true };
  const ctx = {
    getWorkflowInstanceId: () => instanceId,
    getCurrentUtcDateTime: () => started,
    isReplaying: () => state.replaying,
  } as unknown as WorkflowContext;
  return { ctx, state };
}

/** A workflow that waits once, then ends with what it is told. */
async function* twoStep(_ctx: WorkflowContext, input: { outcome: string; fail?: boolean }) {
  yield "step";
  if (input.fail) throw new Error("activity gave up");
  return input.outcome;
}

function setup() {
  const registry = new Registry();
  const running = new RunningWorkflows(Object.keys(workflowOutcomes));
  const metrics = workflowMetrics(registry, running);
  const workflow = observed(twoStep, { workflow: orderSaga.workflow, running, metrics, timeoutSeconds: () => 30 });
  const value = async (name: string, labels: Record<string, string>) =>
    (await registry.getSingleMetric(name)!.get()).values.find((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x))?.value;
  return { registry, running, workflow, value };
}

describe("workflow metrics (order-saga)", () => {
  it("has every workflow's and outcome's series from the start, at 0", async () => {
    const { value } = setup();
    for (const [workflow, outcomes] of Object.entries(workflowOutcomes)) {
      expect(await value("meridian_workflows_started_total", { workflow })).toBe(0);
      expect(await value("meridian_workflows_running", { workflow })).toBe(0);
      expect(await value("meridian_workflows_overdue", { workflow })).toBe(0);
      for (const outcome of outcomes) expect(await value("meridian_workflows_completed_total", { workflow, outcome })).toBe(0);
    }
  });

  it("counts a workflow running while it waits, and its outcome once: not on the replays before its end", async () => {
    const { workflow, value } = setup();
    const input = { outcome: "confirmed" };
    // Each wake-up replays the code from the start; the first one ends waiting at the step.
    for (let wake = 0; wake < 3; wake++) {
      const { ctx } = fakeContext("order-1");
      await workflow(ctx, input).next();
    }
    expect(await value("meridian_workflows_running", { workflow: orderSaga.workflow })).toBe(1);
    // The last wake-up: a replay up to the step, then the new event, and the end.
    const { ctx, state } = fakeContext("order-1");
    const gen = workflow(ctx, input);
    await gen.next();
    state.replaying = false;
    expect(await gen.next("paid")).toEqual({ done: true, value: "confirmed" });
    expect(await value("meridian_workflows_running", { workflow: orderSaga.workflow })).toBe(0);
    expect(await value("meridian_workflows_completed_total", { workflow: orderSaga.workflow, outcome: "confirmed" })).toBe(1);
  });

  it("counts a workflow that throws as failed, and rethrows", async () => {
    const { workflow, value } = setup();
    const { ctx, state } = fakeContext("order-2");
    const gen = workflow(ctx, { outcome: "confirmed", fail: true });
    await gen.next();
    state.replaying = false;
    await expect(gen.next()).rejects.toThrow(/gave up/);
    expect(await value("meridian_workflows_completed_total", { workflow: orderSaga.workflow, outcome: "failed" })).toBe(1);
  });

  it("reports a workflow past its timeout as overdue, with its age, until Dapr says it is no longer running", async () => {
    const { running, value } = setup();
    const longAgo = new Date(Date.now() - 95_000);
    running.seen("order-3", orderSaga.workflow, longAgo, 30);
    running.seen("order-4", orderSaga.workflow, new Date(), 30);
    running.seen("order-5", orderSaga.workflow, longAgo, 30);
    expect(await value("meridian_workflows_running", { workflow: orderSaga.workflow })).toBe(3);
    expect(await value("meridian_workflows_overdue", { workflow: orderSaga.workflow })).toBe(2);
    expect(await value("meridian_workflows_oldest_running_age_seconds", { workflow: orderSaga.workflow })).toBeGreaterThanOrEqual(95);

    // order-3 ended on another replica; order-5 is really stuck.
    const states: Record<string, Partial<WorkflowState>> = {
      "order-3": { runtimeStatus: WorkflowRuntimeStatus.COMPLETED },
      "order-5": { runtimeStatus: WorkflowRuntimeStatus.RUNNING, name: orderSaga.workflow, createdAt: longAgo },
    };
    const stateOf = vi.fn((id: string) => Promise.resolve(states[id] as WorkflowState));
    const log = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() };
    vi.useFakeTimers();
    try {
      const check = startOverdueCheck(running, stateOf, log, 1000);
      await vi.advanceTimersByTimeAsync(2000);
      check.stop();
    } finally {
      vi.useRealTimers();
    }
    // Only overdue instances are looked up: the check costs nothing while sagas keep their deadlines.
    expect(new Set(stateOf.mock.calls.map(([id]) => id))).toEqual(new Set(["order-3", "order-5"]));
    expect(await value("meridian_workflows_overdue", { workflow: orderSaga.workflow })).toBe(1);
    expect(await value("meridian_workflows_running", { workflow: orderSaga.workflow })).toBe(2);
    // The stuck one is named once in the log, however many checks find it.
    expect(log.warn.mock.calls.map(([, fields]) => (fields as { instanceId: string }).instanceId)).toEqual(["order-5"]);
  });
});
