import { randomUUID } from "node:crypto";
import { connect } from "node:tls";
import { DaprWorkflowClient, LogLevel, WorkflowRuntimeStatus } from "@dapr/dapr";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { workflowApps, workflowStateStore } from "../../platform/topology.js";
import type { AppProcess } from "../../scripts/local/system.js";
import { executionKey } from "../../services/order-saga/executions.js";
import { type RuntimeCheckInput, type RuntimeCheckOutput, runtimeCheck } from "../../services/order-saga/runtime-check.js";
import { call } from "../support/http.js";
import { eventually, useTestSystem } from "../support/system.js";

// One region with its placement, scheduler and workflow app beside the usual apps.
const ctx = useTestSystem(["east"], { workflows: { placement: inject("placement"), scheduler: inject("scheduler") } });

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function workflowApp(): AppProcess {
  const app = ctx.system.region("east").workflowApps[workflowApps.orderSaga];
  if (!app) throw new Error("the region runs no workflow app");
  return app;
}

/** How often an activity ran for an instance, as the activity itself recorded it through Dapr state. */
async function executions(instanceId: string, activity: string): Promise<number> {
  const app = workflowApp();
  const key = encodeURIComponent(executionKey(instanceId, activity));
  const res = await call(`http://127.0.0.1:${app.daprHttpPort}/v1.0/state/${workflowStateStore}/${key}`, {
    headers: { "dapr-api-token": app.daprApiToken },
  });
  if (res.status === 204) return 0;
  if (res.status !== 200) throw new Error(`reading ${key} answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body as number;
}

const counts = async (instanceId: string): Promise<Record<string, number>> => ({
  reserve: await executions(instanceId, runtimeCheck.activities.reserve),
  confirm: await executions(instanceId, runtimeCheck.activities.confirm),
});

/** The @dapr/dapr workflow client, on the workflow app's own sidecar (workflows are started where they run). */
function workflowClient(): DaprWorkflowClient {
  const app = workflowApp();
  return new DaprWorkflowClient({
    daprHost: "127.0.0.1",
    daprPort: String(app.daprGrpcPort),
    daprApiToken: app.daprApiToken,
    logger: { level: LogLevel.Warn },
  });
}

/**
 * The identity a control-plane service proves on its port: the URI SANs of the certificate it
 * presents, which must chain to `trustAnchors` (else the handshake fails). gRPC servers insist on ALPN h2.
 */
function presentedIdentity(address: string, trustAnchors: string): Promise<string | undefined> {
  const [host, port] = address.split(":") as [string, string];
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port: Number(port), ca: trustAnchors, ALPNProtocols: ["h2"], checkServerIdentity: () => undefined });
    socket.once("secureConnect", () => {
      resolve(socket.getPeerCertificate().subjectaltname);
      socket.destroy();
    });
    socket.once("error", reject);
  });
}

let client: DaprWorkflowClient;
beforeAll(() => {
  client = workflowClient();
});
afterAll(async () => {
  await client.stop();
});

describe("Dapr Workflow runtime: placement, scheduler and the actor state store of a region", () => {
  it("connects the workflow app's sidecar to the region's placement and scheduler over mTLS", async () => {
    const app = workflowApp();
    const controlPlane = ctx.system.region("east").workflowControlPlane;
    const metadata = await eventually(
      () => call(`http://127.0.0.1:${app.daprHttpPort}/v1.0/metadata`, { headers: { "dapr-api-token": app.daprApiToken } }),
      (a) => (a.body as { actorRuntime?: { placement?: string } }).actorRuntime?.placement === "placement: connected",
    );
    expect(metadata.body).toMatchObject({
      id: workflowApps.orderSaga,
      actorRuntime: { runtimeStatus: "RUNNING", hostReady: true, placement: "placement: connected" },
      scheduler: { connected_addresses: [controlPlane?.schedulerAddress] },
    });
    // Both serve only TLS, with certificates from the region's Sentry for their control-plane identities.
    const region = ctx.system.region("east");
    const identity = (service: string): string => `URI:spiffe://${region.sentry.trustDomain}/ns/default/${service}`;
    expect(await presentedIdentity(controlPlane?.placementAddress ?? "", region.sentry.trustAnchors)).toBe(identity("dapr-placement"));
    expect(await presentedIdentity(controlPlane?.schedulerAddress ?? "", region.sentry.trustAnchors)).toContain(identity("dapr-scheduler"));
    // Apps that run no workflows stay off placement and the scheduler.
    const orders = ctx.system.region("east").apps.orders;
    const ordersMetadata = await call(`http://127.0.0.1:${orders.daprHttpPort}/v1.0/metadata`, {
      headers: { "dapr-api-token": orders.daprApiToken },
    });
    expect(ordersMetadata.body).not.toHaveProperty("scheduler");
    expect((ordersMetadata.body as { actorRuntime?: { placement?: string } }).actorRuntime?.placement).not.toBe("placement: connected");
  });

  it("runs two activities, a durable timer and an external event to completion, each activity once", async () => {
    const instanceId = `check-${randomUUID()}`;
    const input: RuntimeCheckInput = { orderId: "o-happy", timerSeconds: 2 };
    const startedAt = Date.now();
    await client.scheduleNewWorkflow(runtimeCheck.workflow, input, instanceId);
    await eventually(
      () => counts(instanceId),
      (c) => c["reserve"] === 1,
      30_000,
    );
    // After the timer it waits for the event: nothing more happens without it.
    await sleep(input.timerSeconds * 1000 + 1500);
    expect((await client.getWorkflowState(instanceId, false))?.runtimeStatus).toBe(WorkflowRuntimeStatus.RUNNING);
    expect(await counts(instanceId)).toEqual({ reserve: 1, confirm: 0 });

    await client.raiseEvent(instanceId, runtimeCheck.approvalEvent, { by: "operator-1" });
    const done = await client.waitForWorkflowCompletion(instanceId, true, 60);
    expect(done?.runtimeStatus).toBe(WorkflowRuntimeStatus.COMPLETED);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(input.timerSeconds * 1000);
    expect(JSON.parse(done?.serializedOutput ?? "null") as RuntimeCheckOutput).toEqual({
      orderId: input.orderId,
      reservation: `reserve:${input.orderId}:1`,
      approvedBy: "operator-1",
      confirmation: `confirm:${input.orderId}:1`,
    });
    expect(await counts(instanceId)).toEqual({ reserve: 1, confirm: 1 });
  });

  it.each(["service", "both"] as const)(
    "resumes after the workflow app is killed mid-workflow (%s), running each activity once",
    async (part) => {
      const instanceId = `crash-${part}-${randomUUID()}`;
      const input: RuntimeCheckInput = { orderId: `o-crash-${part}`, timerSeconds: 3 };
      await client.scheduleNewWorkflow(runtimeCheck.workflow, input, instanceId);
      await eventually(
        () => counts(instanceId),
        (c) => c["reserve"] === 1,
        30_000,
      );
      // SIGKILL while the durable timer runs; it fires while nothing is there to run the workflow.
      await ctx.system.kill("east", workflowApps.orderSaga, part);
      await sleep(input.timerSeconds * 1000 + 1000);
      await ctx.system.revive("east", workflowApps.orderSaga, part);
      // A fresh client: with the sidecar killed, the old connection may be gone.
      const fresh = workflowClient();
      try {
        await fresh.raiseEvent(instanceId, runtimeCheck.approvalEvent, { by: "operator-2" });
        const done = await fresh.waitForWorkflowCompletion(instanceId, true, 90);
        expect(done?.runtimeStatus).toBe(WorkflowRuntimeStatus.COMPLETED);
        expect(JSON.parse(done?.serializedOutput ?? "null") as RuntimeCheckOutput).toMatchObject({
          reservation: `reserve:${input.orderId}:1`,
          approvedBy: "operator-2",
          confirmation: `confirm:${input.orderId}:1`,
        });
      } finally {
        await fresh.stop();
      }
      expect(await counts(instanceId)).toEqual({ reserve: 1, confirm: 1 });
    },
  );

  it("keeps a waiting workflow across a restart of the whole region, placement and scheduler included", async () => {
    const instanceId = `region-restart-${randomUUID()}`;
    const input: RuntimeCheckInput = { orderId: "o-region-restart", timerSeconds: 3 };
    await client.scheduleNewWorkflow(runtimeCheck.workflow, input, instanceId);
    await eventually(
      () => counts(instanceId),
      (c) => c["reserve"] === 1,
      30_000,
    );
    // The timer is due while every process of the region is down; it lives in the scheduler's etcd.
    await ctx.system.stopRegion("east");
    await sleep(input.timerSeconds * 1000);
    await ctx.system.startRegion("east");
    const fresh = workflowClient();
    try {
      await fresh.raiseEvent(instanceId, runtimeCheck.approvalEvent, { by: "operator-3" });
      const done = await fresh.waitForWorkflowCompletion(instanceId, true, 90);
      expect(done?.runtimeStatus).toBe(WorkflowRuntimeStatus.COMPLETED);
    } finally {
      await fresh.stop();
    }
    expect(await counts(instanceId)).toEqual({ reserve: 1, confirm: 1 });
  });
});
