import { describe, expect, it } from "vitest";
import { KeyedLock } from "../../services/shared/keyed-lock.js";

const tick = () => new Promise((r) => setTimeout(r, 1));

describe("KeyedLock", () => {
  it("runs work for one key one at a time, in arrival order, and other keys in parallel", async () => {
    const lock = new KeyedLock();
    const trace: string[] = [];
    const job = (key: string, n: number) =>
      lock.run(key, async () => {
        trace.push(`${key}${n}+`);
        await tick();
        trace.push(`${key}${n}-`);
      });
    await Promise.all([job("a", 1), job("a", 2), job("b", 1)]);
    expect(trace.indexOf("a1-")).toBeLessThan(trace.indexOf("a2+"));
    expect(trace.indexOf("b1+")).toBeLessThan(trace.indexOf("a1-"));
  });

  it("keeps going after a failure", async () => {
    const lock = new KeyedLock();
    await expect(lock.run("k", async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    await expect(lock.run("k", async () => 42)).resolves.toBe(42);
  });
});
