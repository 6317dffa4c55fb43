import { spawn } from "node:child_process";
import { demoSkus } from "../../scripts/local/demo.js";
import { runTokens } from "../../scripts/local/issuer-process.js";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, inject, it } from "vitest";
import { projectRoot } from "../../platform/paths.js";
import { allApps } from "../../platform/topology.js";
import { freePort } from "../../scripts/local/ports.js";
import { call, postJson } from "../support/http.js";
import { eventually, isAlive } from "../support/system.js";

/** PIDs of every live process whose parent is `pid`. */
function childrenOf(pid: number): number[] {
  return readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .flatMap((d) => {
      try {
        const stat = readFileSync(`/proc/${d}/stat`, "utf8");
        const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
        return ppid === pid ? [Number(d)] : [];
      } catch {
        return [];
      }
    });
}

describe("npm start (the local runner)", () => {
  it("runs both regions, serves POST then GET in each, and leaves nothing behind after Ctrl-C", async () => {
    const ports = { east: await freePort(), west: await freePort() };
    const runner = spawn(process.execPath, [join(projectRoot, "dist/scripts/local/run.js")], {
      env: {
        ...process.env,
        DAPRD: inject("daprd"),
        SENTRY: inject("sentry"),
        GATEWAY_PORT_EAST: String(ports.east),
        GATEWAY_PORT_WEST: String(ports.west),
        LOG_LEVEL: "warn",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    runner.stdout.on("data", (d: Buffer) => (output += d.toString()));
    runner.stderr.on("data", (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((r) => runner.once("exit", (code) => r(code)));

    await eventually(
      async () => output,
      (o) => o.includes("Ctrl-C stops everything"),
      90_000,
      200,
    );
    expect(output).toContain(`east     http://127.0.0.1:${ports.east}`);
    const started = childrenOf(runner.pid!);
    // Per region: a redis-server, a Sentry and, per app, a service and its daprd.
    // ... and the one issuer customers sign in with.
    expect(started.length).toBe(2 * (2 + 2 * allApps.length) + 1);
    const commands = started.map((p) => readFileSync(`/proc/${p}/cmdline`, "utf8"));
    expect(commands.filter((c) => c.split("\0")[0]!.endsWith("daprd"))).toHaveLength(2 * allApps.length);
    expect(commands.filter((c) => c.split("\0")[0]!.endsWith("sentry"))).toHaveLength(2);

    // The token command it prints names its run: a customer signs in there, as a newcomer would.
    const runDir = /--run-dir (\S+)\)/.exec(output)?.[1];
    expect(runDir, output).toBeDefined();
    const headers = { authorization: `Bearer ${await runTokens(join(runDir!, "issuer"))("runner")}` };
    for (const port of Object.values(ports)) {
      const placed = await postJson(`http://127.0.0.1:${port}/orders`, { items: [{ sku: demoSkus[0].sku, quantity: 1 }] }, headers);
      expect(placed.status).toBe(202);
      const { orderId } = placed.body as { orderId: string };
      // The demo SKU is listed and stocked: the first order a newcomer places confirms.
      await eventually(
        () => call(`http://127.0.0.1:${port}/orders/${orderId}`, { headers }),
        (a) => (a.body as { status?: string }).status === "confirmed",
      );
    }

    runner.kill("SIGINT");
    expect(await exited).toBe(0);
    expect(output).toContain("stopped.");
    expect(started.filter(isAlive)).toEqual([]);
  });
});
