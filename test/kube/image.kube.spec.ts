import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultRegionConfigs } from "../../platform/regions.js";
import { apps } from "../../platform/topology.js";
import { type BuiltImage, buildImages } from "../../scripts/images/build.js";
import { lowUlimits, podman } from "../../scripts/images/podman.js";
import { synthesise } from "../k8s/synth.js";

const container = `meridian-image-test-${randomBytes(4).toString("hex")}`;
const hostPort = 18000 + Math.floor(Math.random() * 2000);
let image: BuiltImage;

/** The gateway container exactly as region east's Deployment describes it. */
function gatewaySpec() {
  const [east] = synthesise(defaultRegionConfigs());
  const pod = east!.find("Deployment", apps.gateway)["spec"].template.spec;
  return { pod, container: pod.containers[0] };
}

beforeAll(() => {
  image = buildImages({ quiet: true });
}, 900_000);

afterAll(() => {
  podman(["rm", "--force", "--time", "0", container]);
});

describe("the apps' image", () => {
  it("is the image the Deployments name", () => {
    expect(gatewaySpec().container.image).toBe(image.ref);
  });

  it("runs the gateway with the Deployment's command, env and security settings, answers /healthz and stops on SIGTERM", async () => {
    const { pod, container: c } = gatewaySpec();
    const env = (c.env as { name: string; value?: string; valueFrom?: unknown }[]).flatMap((e) =>
      // Secret values come from the cluster; any random token does here (the admin token must be long).
      e.valueFrom ? ["--env", `${e.name}=${randomBytes(16).toString("hex")}`] : ["--env", `${e.name}=${e.value}`],
    );
    const user = `${pod.securityContext.runAsUser}:${pod.securityContext.runAsGroup}`;
    const run = podman([
      "run",
      "--detach",
      "--name",
      container,
      ...lowUlimits,
      // readOnlyRootFilesystem, runAsUser, capabilities drop ALL, allowPrivilegeEscalation false,
      // and the emptyDir at /tmp.
      "--read-only",
      "--user",
      user,
      "--cap-drop",
      "ALL",
      "--security-opt",
      "no-new-privileges",
      "--tmpfs",
      "/tmp",
      "--publish",
      `127.0.0.1:${hostPort}:${c.ports[0].containerPort}`,
      ...env,
      "--entrypoint",
      JSON.stringify(c.command),
      image.ref,
      ...c.args,
    ]);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);

    let health: { status: number; body: string } | undefined;
    for (let i = 0; i < 60 && !health; i++) {
      await new Promise((r) => setTimeout(r, 500));
      health = await fetch(`http://127.0.0.1:${hostPort}/healthz`)
        .then(async (r) => ({ status: r.status, body: await r.text() }))
        .catch(() => undefined);
    }
    expect(health).toEqual({ status: 200, body: JSON.stringify({ status: "ok" }) });

    const started = Date.now();
    expect(podman(["stop", "--time", "20", container]).status).toBe(0);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(podman(["inspect", "--format", "{{.State.ExitCode}}", container]).stdout.trim()).toBe("0");
    const logs = podman(["logs", container]).stdout;
    const lines = logs
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toContainEqual(expect.objectContaining({ msg: "stopping", signal: "SIGTERM", service: "gateway" }));
  });
});
