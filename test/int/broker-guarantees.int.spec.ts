import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localPubsubProfiles } from "../../scripts/local/profiles.js";
import { BrokerProbe } from "../support/probe-consumer.js";
import { eventually, isAlive } from "../support/system.js";

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/**
 * What each pub/sub profile guarantees, measured with the project's own components and
 * Resiliency policy on a real broker and real sidecars (the README's guarantees table).
 */
describe.each(localPubsubProfiles)("broker guarantees on %s", (profile) => {
  let probe: BrokerProbe;
  let pids: number[] = [];

  beforeAll(async () => {
    probe = await BrokerProbe.start(profile);
    await probe.startSidecar("publisher");
    await probe.startSidecar("first");
    pids = probe.group.pids;
  });

  afterAll(async () => {
    await probe?.stop();
    expect([...pids, ...probe.group.pids].filter(isAlive)).toEqual([]);
  });

  it("a consumer killed and started again resumes where it stopped: nothing lost, nothing it had handled again", async () => {
    const first = probe.apps.first;
    await probe.publish(range(1, 20));
    await eventually(
      async () => first.handled,
      (h) => h.length === 20,
      30_000,
    );
    await probe.killSidecar("first");
    await probe.publish(range(21, 40));
    await probe.startSidecar("first");
    await eventually(
      async () => new Set(first.handled),
      (h) => range(21, 40).every((s) => h.has(s)),
      90_000,
      250,
    );
    // Each handled once: the consumer's position was kept in the broker across its restart.
    expect([...first.handled].sort((a, b) => a - b)).toEqual(range(1, 40));
  });

  it(`measures whether a redelivery lets later events of the same order overtake (${profile})`, async () => {
    const first = probe.apps.first;
    const before = first.deliveries.length;
    first.failFirst.add(43);
    await probe.publish(range(41, 50));
    await eventually(
      async () => first.handled.filter((s) => s > 40),
      (h) => h.length === 10,
      90_000,
      250,
    );
    const order = first.handled.filter((s) => s > 40);
    const overtaken = order.indexOf(43) > order.indexOf(44);
    // Serial delivery (JetStream here) holds later messages back while the failed one is
    // retried; concurrent delivery (Redis Streams, RabbitMQ) lets them pass. Either way every
    // message is handled once: the saga's handlers never rely on order (see the README's table).
    expect(overtaken).toBe(profile !== "jetstream");
    expect(first.deliveries.length - before).toBe(11);
  });

  it(`measures whether a consumer that starts later can replay what others already consumed (${profile})`, async () => {
    await probe.startSidecar("late");
    // RabbitMQ keeps a message only in the queues that existed when it was published.
    if (profile === "rabbitmq") {
      await new Promise((r) => setTimeout(r, 3000));
      expect(probe.apps.late.handled).toEqual([]);
      await probe.publish([51]);
      await eventually(
        async () => probe.apps.late.handled,
        (h) => h.includes(51),
      );
      expect(probe.apps.late.handled).toEqual([51]);
    } else {
      const late = await eventually(
        async () => new Set(probe.apps.late.handled),
        (h) => h.size === 50,
        30_000,
      );
      expect([...late].sort((a, b) => a - b)).toEqual(range(1, 50));
    }
  });
});
