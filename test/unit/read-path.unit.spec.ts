import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Sidecar, StateReadError } from "../../services/shared/dapr/sidecar.js";
import { jsonDepth } from "../../services/shared/http/json-depth.js";
import { readinessOf } from "../../services/shared/readiness.js";

/**
 * daprd answers a bulk read 200 even when single keys failed (its DoBulkGet puts each key's error
 * in the item). This stands in for that answer, as daprd 1.16 writes it, to pin the adapter's
 * reading of it; the fault itself is exercised for real by the chaos suite (broker killed mid-load).
 */
let server: Server;
let sidecar: Sidecar;
beforeAll(async () => {
  server = createServer((req, res) => {
    res.setHeader("content-type", "application/json");
    if (req.url?.includes("/partly-failing/"))
      res.end(
        JSON.stringify([
          { key: "a", data: { n: 1 }, etag: "1" },
          { key: "b", error: "EOF" },
        ]),
      );
    else res.end(JSON.stringify([{ key: "a", data: { n: 1 }, etag: "1" }, { key: "b" }]));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  sidecar = new Sidecar({ httpPort: (server.address() as AddressInfo).port });
});
afterAll(() => server.close());

describe("the shared read path", () => {
  it("takes a key without data and without error as absent", async () => {
    const found = await sidecar.getMany<{ n: number }>("ok-store", ["a", "b"]);
    expect([...found.keys()]).toEqual(["a"]);
  });

  it("fails the whole read when a key could not be read, instead of taking it for absent", async () => {
    await expect(sidecar.getMany("partly-failing", ["a", "b"])).rejects.toBeInstanceOf(StateReadError);
    await expect(sidecar.get("partly-failing", "b")).rejects.toThrow(/b: EOF/);
  });
});

describe("JSON depth", () => {
  it("counts nesting without recursion, and stops early past a limit", () => {
    expect(jsonDepth(1)).toBe(0);
    expect(jsonDepth({ a: [1, { b: {} }] })).toBe(4);
    const deep = JSON.parse(`${"[".repeat(100_000)}${"]".repeat(100_000)}`) as unknown;
    expect(jsonDepth(deep, 32)).toBe(33);
  });
});

describe("readiness", () => {
  it("is ready only when every check passes, names each, and caches the answer", async () => {
    let calls = 0;
    let up = false;
    const ready = readinessOf(
      {
        sidecar: async () => true,
        orders: async () => {
          calls++;
          return up;
        },
        broken: async () => {
          throw new Error("boom");
        },
      },
      50,
    );
    expect(await ready()).toEqual({ ready: false, checks: { sidecar: "ok", orders: "unreachable", broken: "unreachable" } });
    up = true;
    await ready();
    expect(calls).toBe(1);
    const only = readinessOf({ orders: async () => up }, 0);
    expect((await only()).ready).toBe(true);
  });
});
