import { Registry } from "prom-client";
import { afterEach, describe, expect, it, vi } from "vitest";
import { deadLetterRedrive } from "../../platform/topology.js";
import type { DeadLetters, StoredFault } from "../../services/order-view/dead-letters.js";
import { startRedriver } from "../../services/order-view/dead-letters.js";
import { createLogger } from "../../services/shared/log.js";

/** The dead-letter store's side the redriver uses, in memory (the store itself is tested in test/int). */
function faultsInMemory(faults: StoredFault[], subscriberUp: () => boolean) {
  const redriven: string[] = [];
  const store = {
    scheduled: async () => faults.filter((f) => f.status === "open"),
    list: async () => faults,
    get: async (id: string) => {
      const value = faults.find((f) => f.faultId === id);
      return value ? { value, etag: "1" } : undefined;
    },
    redrive: async (fault: StoredFault) => {
      if (!subscriberUp()) throw new Error(`${fault.subscriber} is not reachable`);
      redriven.push(fault.faultId);
      faults = faults.map((f) => (f.faultId === fault.faultId ? { ...f, status: "redriven" } : f));
    },
    reschedule: async (fault: StoredFault) => fault,
  };
  return { deadLetters: store as unknown as DeadLetters, redriven };
}

function fault(faultId: string, subscriber: string, nextAt: Date): StoredFault {
  return {
    faultId,
    kind: "handler",
    reason: "failed",
    subscriber,
    route: "/events/orders",
    topic: "orders",
    attempts: 1,
    failedAt: new Date(0).toISOString(),
    region: "east",
    cloudEvent: {},
    status: "open",
    autoRedrive: { attempts: 5, nextAt: nextAt.toISOString() },
  } as StoredFault;
}

describe("the dead-letter redriver", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("once a subscriber takes a redrive, redrives its other faults at once instead of waiting out their backoff", async () => {
    vi.useFakeTimers();
    const now = Date.now();
    const later = new Date(now + deadLetterRedrive.maxDelayMs);
    const { deadLetters, redriven } = faultsInMemory(
      [
        fault("b", "payments", later),
        fault("a", "payments", new Date(now - 1)),
        fault("c", "payments", later),
        // Another subscriber proved nothing: its fault keeps its schedule.
        fault("d", "inventory", later),
      ],
      () => true,
    );
    const redriver = startRedriver(deadLetters, new Registry(), createLogger("order-view", "east", "error"));
    await vi.advanceTimersByTimeAsync(deadLetterRedrive.scanEveryMs);
    redriver.stop();
    expect(redriven).toEqual(["a", "b", "c"]);
  });

  it("leaves faults to their schedule while the subscriber still fails", async () => {
    vi.useFakeTimers();
    const now = Date.now();
    const { deadLetters, redriven } = faultsInMemory(
      [fault("a", "payments", new Date(now - 1)), fault("b", "payments", new Date(now + deadLetterRedrive.maxDelayMs))],
      () => false,
    );
    const redriver = startRedriver(deadLetters, new Registry(), createLogger("order-view", "east", "error"));
    await vi.advanceTimersByTimeAsync(deadLetterRedrive.scanEveryMs);
    redriver.stop();
    expect(redriven).toEqual([]);
  });
});
