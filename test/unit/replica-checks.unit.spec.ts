import { describe, expect, it } from "vitest";
import { acceptReplicaFrom, restoreInto } from "../../services/orders/replica-domain.js";
import { DomainError } from "../../services/shared/domain/errors.js";
import { checkEvent } from "../../services/shared/events/contracts.js";
import type { EventRecord } from "../../services/shared/events/envelope.js";
import {
  EventRefused,
  type RefusalReason,
  orderEventRefusal,
  replicaRefusal,
  restoredStreamRefusal,
} from "../../services/shared/orders/event-checks.js";
import { fold } from "../../services/shared/orders/order-state.js";
import { confirmedFixture, fixtureOrderId, placedFixture } from "../support/order-fixtures.js";

/** East's order, as east wrote it: the fixtures, read as today's code reads them. */
const placed = checkEvent(placedFixture);
const confirmed = checkEvent(confirmedFixture);
const otherOrderId = "22222222-2222-4222-8222-222222222222";
const stockReserved: EventRecord = checkEvent({
  ...placedFixture,
  id: "00000000-0000-4000-8000-000000000009",
  type: "io.meridian.stock.reserved",
  aggregateVersion: 2,
  data: { orderId: fixtureOrderId, customerId: "c1", total: 1, status: "reserved", lines: [], shortages: [], processed: [] },
});
const fromEast = { from: "east", receiving: "west", heldHome: undefined };

/** The refusal a decision throws, or undefined when it throws none. */
function refusedWith(decide: () => unknown): { reason: RefusalReason; facts: Readonly<Record<string, unknown>> } | undefined {
  try {
    decide();
    return undefined;
  } catch (err) {
    if (!(err instanceof EventRefused)) throw err;
    return { reason: err.reason, facts: err.facts };
  }
}

describe("the rules of an order event handed in from another region", () => {
  it("accepts a genuine event of east's order coming from east (positive control)", () => {
    expect(orderEventRefusal(placed)).toBeUndefined();
    expect(replicaRefusal(placed, fromEast)).toBeUndefined();
    expect(replicaRefusal(confirmed, { ...fromEast, heldHome: "east" })).toBeUndefined();
  });

  it("refuses an event that is not an order event, naming its type", () => {
    const refusal = replicaRefusal(stockReserved, fromEast);
    expect(refusal?.reason).toBe("not-order-event");
    expect(refusal?.detail).toContain("is a io.meridian.stock.reserved, not an order event");
    expect(refusal?.facts).toMatchObject({ eventType: "io.meridian.stock.reserved" });
  });

  it("refuses an event whose subject is not its data.orderId", () => {
    const refusal = replicaRefusal({ ...confirmed, subject: otherOrderId }, fromEast);
    expect(refusal).toMatchObject({ reason: "subject-mismatch", facts: { subject: otherOrderId, dataOrderId: fixtureOrderId } });
  });

  it("refuses order.placed at a version other than 1, and a version 1 that is not order.placed", () => {
    expect(replicaRefusal({ ...placed, aggregateVersion: 3 }, fromEast)?.reason).toBe("placed-not-first");
    expect(replicaRefusal({ ...confirmed, aggregateVersion: 1 }, fromEast)?.reason).toBe("placed-not-first");
  });

  it("refuses an event that came from the receiving region itself (a loop)", () => {
    const refusal = replicaRefusal(placed, { from: "east", receiving: "east", heldHome: undefined });
    expect(refusal).toMatchObject({ reason: "loop", facts: { from: "east", receiving: "east" } });
  });

  it("refuses an order.placed whose home region is not the region it came from", () => {
    // west hands on an order it says is east's: only east may.
    const refusal = replicaRefusal(placed, { from: "west", receiving: "north", heldHome: undefined });
    expect(refusal).toMatchObject({ reason: "not-from-home", facts: { homeRegion: "east", from: "west" } });
    expect(refusal?.detail).toBe(
      `order ${fixtureOrderId} is homed in east, but event ${placed.id} came from west; only an order's home region writes it`,
    );
  });

  it("refuses a later event of an order held here as homed elsewhere", () => {
    const refusal = replicaRefusal(confirmed, { from: "west", receiving: "north", heldHome: "east" });
    expect(refusal).toMatchObject({ reason: "not-from-home", facts: { homeRegion: "east", from: "west" } });
  });
});

describe("accepting a replica (the decision)", () => {
  const held = [placed];
  const state = fold(held);

  it("writes the next version of a peer's order, and recognises one it holds (positive control)", () => {
    expect(acceptReplicaFrom([], undefined, placed, "west")).toEqual({ kind: "write" });
    expect(acceptReplicaFrom(held, state, confirmed, "west")).toEqual({ kind: "write" });
    expect(acceptReplicaFrom(held, state, placed, "west")).toEqual({ kind: "duplicate" });
  });

  it("makes a version that skips one wait (not refused: it is judged when the one before it is here)", () => {
    expect(() => acceptReplicaFrom([], undefined, confirmed, "west")).toThrow(
      expect.objectContaining({ kind: "replica-waiting", facts: { heldVersion: 0 } }),
    );
  });

  it("checks the origin stamped on the event, not what a payload says elsewhere", () => {
    // Stamped by west's link, an east-homed order's confirmation is refused even though the order is held here.
    expect(refusedWith(() => acceptReplicaFrom(held, state, { ...confirmed, originRegion: "north" }, "west"))?.reason).toBe(
      "not-from-home",
    );
    // Its own event back over a link: stamped with this region, so a loop.
    expect(refusedWith(() => acceptReplicaFrom([], undefined, placed, "east"))?.reason).toBe("loop");
    expect(refusedWith(() => acceptReplicaFrom(held, state, stockReserved, "west"))?.reason).toBe("not-order-event");
  });

  it("refuses a broken event even at a version already held: a forgery is not a duplicate", () => {
    expect(refusedWith(() => acceptReplicaFrom(held, state, { ...placed, originRegion: "north" }, "west"))?.reason).toBe("not-from-home");
  });
});

describe("restoring a stream (the decision)", () => {
  it("fills an empty stream (positive control)", () => {
    expect(restoredStreamRefusal(fixtureOrderId, [placed, confirmed])).toBeUndefined();
    expect(restoreInto(fixtureOrderId, [], [placed, confirmed])).toEqual({ kind: "write" });
  });

  it("keeps the very same stream when it is already here: re-running a re-seed is safe", () => {
    expect(restoreInto(fixtureOrderId, [placed, confirmed], [placed, confirmed])).toEqual({ kind: "noop" });
  });

  it("refuses to restore over a stream held here, longer or shorter (409 conflict)", () => {
    for (const [held, events] of [
      [[placed], [placed, confirmed]],
      [[placed, confirmed], [placed]],
      [[{ ...placed, id: "00000000-0000-4000-8000-0000000000aa" }], [placed]],
    ] as const) {
      let error: unknown;
      try {
        restoreInto(fixtureOrderId, held, events);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(DomainError);
      expect(error).not.toBeInstanceOf(EventRefused);
      expect(error).toMatchObject({ kind: "conflict", facts: { heldEvents: held.length, restoredEvents: events.length } });
      expect((error as Error).message).toContain("a restore only fills an empty stream");
    }
  });

  it("refuses a non-order event, a subject that is not the order id, and another order's event", () => {
    expect(refusedWith(() => restoreInto(fixtureOrderId, [], [placed, stockReserved]))?.reason).toBe("not-order-event");
    expect(refusedWith(() => restoreInto(fixtureOrderId, [], [placed, { ...confirmed, subject: otherOrderId }]))?.reason).toBe(
      "subject-mismatch",
    );
    const otherPlaced = { ...placed, subject: otherOrderId, data: { ...(placed.data as object), orderId: otherOrderId } };
    expect(refusedWith(() => restoreInto(fixtureOrderId, [], [otherPlaced]))).toMatchObject({
      reason: "other-order",
      facts: { orderId: fixtureOrderId, subject: otherOrderId },
    });
  });

  it("refuses versions that do not run 1 to n, a stream not starting with order.placed, and one event twice", () => {
    const third = { ...confirmed, id: "00000000-0000-4000-8000-000000000003", aggregateVersion: 3 };
    expect(refusedWith(() => restoreInto(fixtureOrderId, [], [placed, third]))).toMatchObject({
      reason: "versions-not-contiguous",
      facts: { version: 3, expectedVersion: 2 },
    });
    expect(refusedWith(() => restoreInto(fixtureOrderId, [], [placed, { ...confirmed, aggregateVersion: 1 }]))?.reason).toBe(
      "placed-not-first",
    );
    // A stream that does not start with order.placed: its first event is version 1 and something else, or not version 1.
    expect(refusedWith(() => restoreInto(fixtureOrderId, [], [{ ...confirmed, aggregateVersion: 1 }]))?.reason).toBe("placed-not-first");
    expect(refusedWith(() => restoreInto(fixtureOrderId, [], [confirmed]))?.reason).toBe("versions-not-contiguous");
    expect(refusedWith(() => restoreInto(fixtureOrderId, [], [placed, { ...confirmed, id: placed.id }]))?.reason).toBe("repeated-event-id");
    expect(refusedWith(() => restoreInto(fixtureOrderId, [], []))?.reason).toBe("versions-not-contiguous");
  });

  it("refuses a stream with an event from another region than the order's home", () => {
    expect(refusedWith(() => restoreInto(fixtureOrderId, [], [placed, { ...confirmed, originRegion: "west" }]))).toMatchObject({
      reason: "not-from-home",
      facts: { homeRegion: "east", originRegion: "west", version: 2 },
    });
  });
});
