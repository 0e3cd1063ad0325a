// Writes a replica has confirmed. Redis replicates asynchronously: a master can acknowledge a
// write, then lose a failover before its replica received it, and the promoted replica never
// saw it. For the writes that say what a hook did (its running mark, its result) that is a
// hook misreported: shown running though it ended, or run again after a crash because its
// mark was lost. Such a write is followed by WAIT on the same connection (WAIT covers the
// connection's own writes before it); when no replica confirms in time the write is sent
// again (the writes are idempotent: the retry lands on whichever server is master by then,
// or finds its own effect already there), until a replica confirms or the retry window ends.
//
// A replica that stays away would make every hook write wait out the window, and WAIT holds
// the shared connection meanwhile, so after one unconfirmed write confirmations pause for a
// while: a master with no replica in reach has no replica to lose a write to by a failover.

import type { RedisClient } from '../redis.ts';

export interface ReplicaAcks {
  /** Replicas that must confirm a write. */
  readonly replicas: number;
  /** How long one WAIT may block the connection. */
  readonly waitMs: number;
  /** How long a write is retried before it is given up as unconfirmed. */
  readonly retryForMs: number;
  /** How long confirmations pause after an unconfirmed write. */
  readonly pauseMs: number;
}

/** Sentinel's master has one replica to fail over to: hookd's defaults there. */
export const SENTINEL_REPLICA_ACKS: ReplicaAcks = { replicas: 1, waitMs: 500, retryForMs: 5000, pauseMs: 30_000 };

export interface ConfirmedWrites {
  /**
   * Runs `write` (attempt 0), then until a replica confirms it sends it again (attempt 1, 2, ...).
   * Returns the first attempt's reply and the last's: a retry may find what the first did.
   * A first reply for which `wrote` is false changed nothing, and is not confirmed.
   */
  confirm<T>(what: string, write: (attempt: number) => Promise<T>, wrote: (reply: T) => boolean): Promise<{ first: T; last: T }>;
}

export interface ConfirmedWritesDeps {
  readonly redis: RedisClient;
  readonly acks: ReplicaAcks;
  /** A write no replica confirmed within the retry window (it stands on the master alone). */
  readonly onUnconfirmed: (what: string, attempts: number) => void;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function confirmedWrites(deps: ConfirmedWritesDeps): ConfirmedWrites {
  const { redis, acks } = deps;
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? pause;
  let pausedUntil = 0;

  /** Replicas that confirmed; 0 when the WAIT itself failed (the connection moved or dropped). */
  async function replicasConfirming(): Promise<number> {
    try {
      return Number(await redis.call('WAIT', acks.replicas, acks.waitMs));
    } catch {
      return 0;
    }
  }

  return {
    async confirm(what, write, wrote) {
      const first = await write(0);
      if (!wrote(first) || acks.replicas <= 0 || now() < pausedUntil) return { first, last: first };
      const giveUpAt = now() + acks.retryForMs;
      let last = first;
      for (let attempt = 1; ; attempt++) {
        if ((await replicasConfirming()) >= acks.replicas) return { first, last };
        if (now() >= giveUpAt) {
          pausedUntil = now() + acks.pauseMs;
          deps.onUnconfirmed(what, attempt);
          return { first, last };
        }
        await sleep(Math.min(100 * attempt, 500));
        last = await write(attempt);
      }
    },
  };
}
