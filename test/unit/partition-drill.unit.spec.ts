import { describe, expect, it } from "vitest";
import { everyPeerBacklog } from "../../scripts/drills/partition.js";

describe("the partition drill's backlog check", () => {
  const regions = ["east", "west"];
  const atLeast20 = (_region: string, n: number) => n >= 20;
  const zero = (_region: string, n: number) => n === 0;

  it("is not complete when the replicators report no backlog at all", () => {
    // What the RabbitMQ profile read while the links were cut: no series yet, taken for complete.
    expect(everyPeerBacklog({}, regions, atLeast20)).toBe(false);
    expect(everyPeerBacklog({ east: {}, west: {} }, regions, atLeast20)).toBe(false);
    expect(everyPeerBacklog({ east: {}, west: {} }, regions, zero)).toBe(false);
  });

  it("needs an entry for every peer in every region", () => {
    expect(everyPeerBacklog({ east: { west: 20 }, west: {} }, regions, atLeast20)).toBe(false);
    expect(everyPeerBacklog({ east: { west: 20 } }, regions, atLeast20)).toBe(false);
    expect(everyPeerBacklog({ east: { west: 0 }, west: { north: 0 } }, regions, zero)).toBe(false);
    const three = ["east", "west", "north"];
    expect(everyPeerBacklog({ east: { west: 20 }, west: { east: 20 }, north: { east: 20, west: 20 } }, three, atLeast20)).toBe(false);
  });

  it("is complete when every peer's entry holds, and only then", () => {
    expect(everyPeerBacklog({ east: { west: 20 }, west: { east: 21 } }, regions, atLeast20)).toBe(true);
    expect(everyPeerBacklog({ east: { west: 20 }, west: { east: 19 } }, regions, atLeast20)).toBe(false);
    expect(everyPeerBacklog({ east: { west: 0 }, west: { east: 0 } }, regions, zero)).toBe(true);
    expect(everyPeerBacklog({ east: { west: 0 }, west: { east: 2 } }, regions, zero)).toBe(false);
  });

  it("passes each region to the check, for what that region placed", () => {
    const placed: Record<string, number> = { east: 10, west: 3 };
    const holds = (region: string, n: number) => n >= 2 * placed[region]!;
    expect(everyPeerBacklog({ east: { west: 20 }, west: { east: 6 } }, regions, holds)).toBe(true);
    expect(everyPeerBacklog({ east: { west: 6 }, west: { east: 20 } }, regions, holds)).toBe(false);
  });
});
