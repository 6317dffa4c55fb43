import { afterEach, describe, expect, it, vi } from "vitest";
import { retryOnConflict } from "../../services/shared/application/retry.js";
import { DomainError } from "../../services/shared/domain/errors.js";
import { ConcurrencyError, DependencyError, InvocationError } from "../../services/shared/errors.js";

/** Work that meets an ETag conflict its first `conflicts` times, then answers `result`. */
function conflicting<T>(conflicts: number, result: T) {
  const errors: ConcurrencyError[] = [];
  const work = vi.fn(() => {
    if (work.mock.calls.length > conflicts) return Promise.resolve(result);
    const err = new ConcurrencyError(`conflict ${work.mock.calls.length}`);
    errors.push(err);
    return Promise.reject(err);
  });
  return { work, errors };
}

/** How a promise settled, observed at once so a rejection is never unhandled while timers advance. */
function settlement<T>(promise: Promise<T>): { readonly value: () => { ok: T } | { err: unknown } | undefined } {
  let settled: { ok: T } | { err: unknown } | undefined;
  promise.then(
    (ok) => (settled = { ok }),
    (err: unknown) => (settled = { err }),
  );
  return { value: () => settled };
}

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe("retryOnConflict", () => {
  it("runs the work again after a ConcurrencyError and answers the first success", async () => {
    const { work } = conflicting(2, "written");
    await expect(retryOnConflict(work)).resolves.toBe("written");
    expect(work).toHaveBeenCalledTimes(3);
  });

  it("gives up after `attempts` runs and surfaces the last conflict itself", async () => {
    const { work, errors } = conflicting(Infinity, "never");
    const surfaced = await retryOnConflict(work, 3, 0).catch((err: unknown) => err);
    expect(surfaced).toBe(errors[2]);
    expect(work).toHaveBeenCalledTimes(3);
    expect(errors).toHaveLength(3);
  });

  it("tries five times by default", async () => {
    // No waiting: full jitter may draw a zero wait.
    vi.spyOn(Math, "random").mockReturnValue(0);
    const { work, errors } = conflicting(Infinity, "never");
    const surfaced = await retryOnConflict(work).catch((err: unknown) => err);
    expect(surfaced).toBe(errors[4]);
    expect(work).toHaveBeenCalledTimes(5);
  });

  it("waits a jittered share of a doubling ceiling between runs (base, 2×base, 4×base, …), and not after the last", async () => {
    vi.useFakeTimers();
    // Half of each ceiling: 50, 100, 200 ms with a base of 100 ms.
    vi.spyOn(Math, "random").mockReturnValue(0.5);
    const { work, errors } = conflicting(Infinity, "never");
    const result = settlement(retryOnConflict(work, 4, 100));

    await vi.advanceTimersByTimeAsync(0);
    expect(work).toHaveBeenCalledTimes(1);
    for (const [wait, runsBefore] of [
      [50, 1],
      [100, 2],
      [200, 3],
    ] as const) {
      await vi.advanceTimersByTimeAsync(wait - 1);
      expect(work, `still ${runsBefore} run(s) ${wait - 1} ms into a ${wait} ms wait`).toHaveBeenCalledTimes(runsBefore);
      await vi.advanceTimersByTimeAsync(1);
      expect(work).toHaveBeenCalledTimes(runsBefore + 1);
    }
    // The fourth conflict is the last: surfaced at once, with no timer left behind.
    expect(result.value()).toEqual({ err: errors[3] });
    expect(vi.getTimerCount()).toBe(0);
  });

  it.each([
    ["a DomainError (a refusal)", new DomainError("conflict", "order is already confirmed")],
    ["a DependencyError (the store is down)", new DependencyError("sidecar unreachable")],
    ["an InvocationError (a DependencyError, not a conflict)", new InvocationError("orders", 503, undefined, undefined, "503")],
    ["any other error", new TypeError("bug")],
  ])("passes %s through at once: one run, no wait, the same error", async (_name, err) => {
    vi.useFakeTimers();
    const work = vi.fn(() => Promise.reject(err));
    const result = settlement(retryOnConflict(work));
    await vi.advanceTimersByTimeAsync(0);
    expect(result.value()).toEqual({ err });
    expect((result.value() as { err: unknown }).err).toBe(err);
    expect(work).toHaveBeenCalledTimes(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("passes through an error other than a conflict met on a later run, without running again", async () => {
    vi.spyOn(Math, "random").mockReturnValue(0);
    const refusal = new DomainError("not-found", "gone");
    const work = vi.fn().mockRejectedValueOnce(new ConcurrencyError("conflict")).mockRejectedValueOnce(refusal).mockResolvedValue("never");
    await expect(retryOnConflict(work)).rejects.toBe(refusal);
    expect(work).toHaveBeenCalledTimes(2);
  });
});
