import { describe, expect, it } from "vitest";
import { renderFlameGraph, shortLabel } from "../../scripts/bench/profile/flame.js";
import {
  type CpuProfile,
  foldCpuProfile,
  foldPprofTraces,
  foldedText,
  mergeFolded,
  scaleTo,
  shortUrl,
  totalMs,
} from "../../scripts/bench/profile/folded.js";
import { topBySelf, topByTotal } from "../../scripts/bench/profile/top.js";

const frame = (functionName: string, url = "", lineNumber = 0) => ({ functionName, url, lineNumber });

/** root → main (app) → work (express), and root → (idle); samples 1 ms apart. */
const profile: CpuProfile = {
  nodes: [
    { id: 1, callFrame: frame("(root)"), children: [2, 4] },
    { id: 2, callFrame: frame("main", "file:///repo/dist/services/orders/main.js", 9), children: [3] },
    { id: 3, callFrame: frame("work", "file:///repo/node_modules/express/lib/router.js", 41) },
    { id: 4, callFrame: frame("(idle)") },
  ],
  startTime: 1_000_000,
  endTime: 1_006_000,
  samples: [2, 3, 3, 4, 3, 2],
  timeDeltas: [1000, 1000, 1000, 1000, 1000, 1000],
};

describe("folding V8 CPU profiles", () => {
  it("counts the samples of each stack, leaves idle out and names frames by short path and line", () => {
    const folded = foldCpuProfile(profile);
    const main = "main services/orders/main.js:10";
    expect(Object.fromEntries(folded)).toEqual({
      [main]: 2,
      [`${main};work express/lib/router.js:42`]: 3,
    });
  });

  it("spreads the CPU a process really used over its samples", () => {
    const scaled = scaleTo(foldCpuProfile(profile), 50);
    expect(totalMs(scaled)).toBeCloseTo(50);
    expect(scaled.get("main services/orders/main.js:10")).toBeCloseTo(20);
    expect(scaleTo(new Map(), 50).size).toBe(0);
  });

  it("keeps only the samples inside a window of the profile's clock", () => {
    // Samples at 1.001 … 1.006 s; the window holds the 2nd and 3rd.
    const folded = foldCpuProfile(profile, { startUs: 1_001_500, endUs: 1_003_000 });
    expect(totalMs(folded)).toBe(2);
  });

  it("shortens script URLs to what a reader looks for", () => {
    expect(shortUrl("file:///a/node_modules/.pnpm/x/node_modules/ioredis/built/Redis.js")).toBe("ioredis/built/Redis.js");
    expect(shortUrl("file:///work/main/dist/services/shared/service.js")).toBe("services/shared/service.js");
    expect(shortUrl("node:internal/streams/writable")).toBe("node:internal/streams/writable");
  });
});

describe("folding go tool pprof -traces", () => {
  it("reads each trace leaf first, converts units and drops the inline marker", () => {
    const text = [
      "File: daprd",
      "Type: cpu",
      "-----------+-------------------------------------------------------",
      "      10ms   runtime.futex",
      "             github.com/dapr/dapr/pkg/api/http.(*api).onPublish (inline)",
      "             net/http.(*conn).serve",
      "-----------+-------------------------------------------------------",
      "     1.50s   runtime.futex",
      "             github.com/dapr/dapr/pkg/api/http.(*api).onPublish",
      "             net/http.(*conn).serve",
      "-----------+-------------------------------------------------------",
      "     250us   syscall.Syscall",
      "-----------+-------------------------------------------------------",
    ].join("\n");
    expect(Object.fromEntries(foldPprofTraces(text))).toEqual({
      "net/http.(*conn).serve;dapr/pkg/api/http.(*api).onPublish;runtime.futex": 1510,
      "syscall.Syscall": 0.25,
    });
  });
});

describe("merging and ranking folded stacks", () => {
  it("sums profiles, optionally under a root frame each, and ranks functions by self time", () => {
    const a = new Map([
      ["f;g", 5],
      ["f", 1],
    ]);
    const b = new Map([["f;g", 2]]);
    expect(Object.fromEntries(mergeFolded([{ folded: a }, { folded: b }]))).toEqual({ "f;g": 7, f: 1 });
    expect(foldedText(mergeFolded([{ folded: b, prefix: "east/orders" }]))).toBe("east/orders;f;g 2");
    expect(topBySelf(mergeFolded([{ folded: a }, { folded: b }]), 5)).toEqual([
      { name: "g", selfMs: 7, totalMs: 7 },
      { name: "f", selfMs: 1, totalMs: 8 },
    ]);
  });

  it("ranks one code base's functions by the time spent under them", () => {
    const folded = new Map([
      ["runtime.main;dapr/api.onPublish;runtime.futex", 6],
      ["runtime.main;dapr/api.onGet", 3],
    ]);
    expect(topByTotal(folded, 5, (n) => n.startsWith("dapr/")).map((f) => [f.name, f.totalMs])).toEqual([
      ["dapr/api.onPublish", 6],
      ["dapr/api.onGet", 3],
    ]);
  });

  it("counts a recursive function's total once per stack", () => {
    expect(topBySelf(new Map([["r;r;r", 4]]), 1)).toEqual([{ name: "r", selfMs: 4, totalMs: 4 }]);
  });
});

describe("the flame graph", () => {
  it("draws one titled rectangle per frame, as wide as its time, callees above callers", () => {
    const svg = renderFlameGraph(
      new Map([
        ["main;a", 75],
        ["main;b<T>", 25],
      ]),
      { title: "t & u", width: 1020 },
    );
    expect(svg).toMatch(/^<svg /);
    expect(svg).toContain(">t &amp; u</text>");
    const rect = (name: string): { x: number; y: number; w: number } => {
      const m = new RegExp(`<title>${name}: [^<]*</title><rect x="([\\d.]+)" y="(\\d+)" width="([\\d.]+)"`).exec(svg);
      if (!m) throw new Error(`no frame ${name}`);
      return { x: Number(m[1]), y: Number(m[2]), w: Number(m[3]) };
    };
    // 1000 px for 100 ms between 10 px margins.
    expect(rect("main")).toMatchObject({ x: 10, w: 1000 });
    expect(rect("a")).toMatchObject({ x: 10, w: 750 });
    expect(rect("b&lt;T&gt;")).toMatchObject({ x: 760, w: 250 });
    expect(rect("a").y).toBeLessThan(rect("main").y);
    expect(svg).toContain("<title>b&lt;T&gt;: 25 ms, 25.00%</title>");
  });

  it("labels Go frames without their import path, Node frames as they are", () => {
    expect(shortLabel("dapr/components-contrib/pubsub/redis.(*redisStreams).worker")).toBe("redis.(*redisStreams).worker");
    expect(shortLabel("dapr/pkg/api/http.Handler[go.shape.*uint8].func1")).toBe("http.Handler[go.shape.*uint8].func1");
    expect(shortLabel("runtime.futex")).toBe("runtime.futex");
    expect(shortLabel("parseBody services/shared/dapr/sidecar.js:198")).toBe("parseBody services/shared/dapr/sidecar.js:198");
  });

  it("leaves out frames too narrow to see", () => {
    const svg = renderFlameGraph(
      new Map([
        ["big", 1_000_000],
        ["tiny", 1],
      ]),
      { title: "x" },
    );
    expect(svg).toContain("<title>big:");
    expect(svg).not.toContain("<title>tiny:");
  });
});
