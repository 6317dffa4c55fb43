import { randomUUID } from "node:crypto";
import type { Sidecar } from "../dapr/sidecar.js";
import { DependencyError } from "../errors.js";
import { KeyedLock, runLocked } from "../keyed-lock.js";
import { components } from "../../../platform/topology.js";

/**
 * Exclusive use of some keys while a decision is read, made and written. Where a failed ETag
 * check can still commit part of a transaction (Redis: no rollback, so the outbox's marker would
 * publish an event that was never stored), two writers of one key must never overlap, across
 * every replica: then the ETag check only ever meets a writer that is gone.
 */
export interface Lease {
  run<T>(keys: readonly string[], work: () => Promise<T>): Promise<T>;
}

/** Exclusive within this process only: enough for one replica, or for a store that rolls back. */
export function processLease(lock: KeyedLock): Lease {
  return { run: (keys, work) => runLocked(lock, keys, work) };
}

export interface DistributedLeaseOptions {
  readonly sidecar: Sidecar;
  /** A Dapr lock component (lock.redis) every replica of the app shares. */
  readonly store: string;
  /** Starts this process's lock-owner name (Dapr keeps apps apart by prefixing keys with the app-id). */
  readonly ownerPrefix: string;
  /** Longer than any decision takes; a replica that dies holding a key blocks it this long. */
  readonly expirySeconds?: number;
  /** How long to wait for a key another replica holds before giving up (a DependencyError: retried). */
  readonly waitMs?: number;
  /** Serialises this process's own writers first, so they queue here instead of at the lock store. */
  readonly local: KeyedLock;
}

/**
 * Exclusive across replicas through Dapr's distributed lock building block. Keys are taken in
 * sorted order (never a deadlock) and released in any case; a key held elsewhere is retried with
 * jittered backoff until `waitMs`.
 */
export function distributedLease(opts: DistributedLeaseOptions): Lease {
  const owner = `${opts.ownerPrefix}-${randomUUID()}`;
  const expiry = opts.expirySeconds ?? 20;
  const waitMs = opts.waitMs ?? 15_000;
  // Dapr prefixes every lock key with the app-id already; `||` is its separator, so never in a key.
  const resource = (key: string) => key.replaceAll("||", "|");

  async function acquire(key: string): Promise<void> {
    const deadline = Date.now() + waitMs;
    for (let attempt = 0; ; attempt++) {
      if (await opts.sidecar.tryLock(opts.store, resource(key), owner, expiry)) return;
      if (Date.now() > deadline) throw new DependencyError(`${key} stayed locked by another replica for ${waitMs} ms`);
      await new Promise((r) => setTimeout(r, Math.random() * Math.min(200, 2 * 2 ** attempt)));
    }
  }

  return {
    run: (keys, work) =>
      runLocked(opts.local, keys, async () => {
        const sorted = [...new Set(keys)].sort();
        const held: string[] = [];
        try {
          for (const key of sorted) {
            await acquire(key);
            held.push(key);
          }
          return await work();
        } finally {
          // Released even when the work failed; a release that fails leaves the key to expire.
          await Promise.all(held.map((key) => opts.sidecar.unlock(opts.store, resource(key), owner).catch(() => undefined)));
        }
      }),
  };
}

/**
 * Runs `work` only while this replica holds `name`: for background work one replica should do at
 * a time (acknowledgements, redrives). A lock is taken for `holdSeconds` and not renewed (the
 * lock store has no renewal); once it lapses, whichever replica ticks first takes the next turn.
 */
export function leaderOnly(
  sidecar: Sidecar,
  store: string,
  name: string,
  holdSeconds: number,
): (work: () => Promise<void>) => Promise<void> {
  const owner = `${name}-${randomUUID()}`;
  let heldUntil = 0;
  return async (work) => {
    // A margin of a second: never act on a turn that may already have passed to another replica.
    if (Date.now() >= heldUntil - 1000) {
      const started = Date.now();
      if (!(await sidecar.tryLock(store, `leader:${name}`, owner, holdSeconds))) return;
      heldUntil = started + holdSeconds * 1000;
    }
    await work();
  };
}

/** The lease a writer's settings ask for (WRITE_LEASE), over the region's lock store. */
export function writeLease(kind: "process" | "distributed", sidecar: Sidecar, app: string): Lease {
  const local = new KeyedLock();
  return kind === "distributed" ? distributedLease({ sidecar, store: components.lockStore, ownerPrefix: app, local }) : processLease(local);
}

/** Background work's turn-taking under the same settings: every tick when alone, leader turns when replicated. */
export function backgroundTurns(kind: "process" | "distributed", sidecar: Sidecar, name: string, holdSeconds: number) {
  return kind === "distributed" ? leaderOnly(sidecar, components.lockStore, name, holdSeconds) : (work: () => Promise<void>) => work();
}
