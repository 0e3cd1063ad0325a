// Writes a replica has confirmed. Redis replicates asynchronously: a master can acknowledge a
// write, then lose a failover before its replica received it, and the promoted replica never
// saw it. For the writes that say what a hook did (its running mark, its result) that is a
// hook misreported: shown running though it ended, or run again after a crash because its
// mark was lost. Such a write is followed by WAIT on the same connection (WAIT covers every
// write the connection made before it); when no replica confirms, the write is sent again
// (the writes are idempotent: the retry lands on whichever server is master by then, or
// finds its own effect already there), until a replica confirms or the retry window ends.
//
// Three things keep this honest on a shared, auto-pipelined connection:
// - One WAIT at a time, shared: a WAIT blocks the connection's later commands while it
//   waits, so every write waiting for a confirmation joins the first WAIT sent after its own
//   reply, instead of queueing a WAIT of its own behind the others.
// - A WAIT counts only if the connection did not change between the write's reply and the
//   WAIT's: the client re-sends a command interrupted by a reconnect (a failover forces one),
//   and a WAIT answered by the new master says nothing of a write the old one took.
// - A replica that stays away would hold the connection in WAITs; after one unconfirmed
//   write, confirmations pause for a while (a master with no replica in reach has no replica
//   to lose a write to by a failover).

import type { Redis } from 'ioredis';

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
  /** The connection the writes go through (WAIT must be sent on it). */
  readonly redis: Redis;
  readonly acks: ReplicaAcks;
  /** A write no replica confirmed within the retry window (it stands on the master alone). */
  readonly onUnconfirmed: (what: string, attempts: number) => void;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** What one WAIT said, and on which connection it was sent and answered. */
interface WaitOutcome {
  readonly replicas: number;
  readonly sentOn: number;
  readonly answeredOn: number;
}

export function confirmedWrites(deps: ConfirmedWritesDeps): ConfirmedWrites {
  const { redis, acks } = deps;
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? pause;
  let pausedUntil = 0;
  // Counts the connection's closes: a reply after one came over another connection, maybe
  // from another server (the client re-sends unanswered commands before it says 'ready').
  let connection = 0;
  redis.on('close', () => connection++);

  let sending: Promise<WaitOutcome> | null = null;
  let next: Promise<WaitOutcome> | null = null;

  const sendWait = (): Promise<WaitOutcome> => {
    const sentOn = connection;
    const p = (redis.call('WAIT', acks.replicas, acks.waitMs) as Promise<unknown>).then(
      (n) => ({ replicas: Number(n), sentOn, answeredOn: connection }),
      // The connection dropped or refused it: nothing is confirmed.
      () => ({ replicas: 0, sentOn, answeredOn: -1 }),
    );
    const tracked = p.finally(() => {
      if (sending === tracked) sending = null;
    });
    return tracked;
  };

  /** A WAIT sent after this moment: the one in flight may have gone out before the caller's write. */
  const waitAfterNow = (): Promise<WaitOutcome> => {
    if (sending === null) return (sending = sendWait());
    next ??= sending.then(() => {
      next = null;
      return (sending = sendWait());
    });
    return next;
  };

  return {
    async confirm(what, write, wrote) {
      const first = await write(0);
      if (!wrote(first) || acks.replicas <= 0 || now() < pausedUntil) return { first, last: first };
      const giveUpAt = now() + acks.retryForMs;
      let last = first;
      let writtenOn = connection;
      for (let attempt = 1; ; attempt++) {
        const w = await waitAfterNow();
        if (w.replicas >= acks.replicas && w.sentOn === writtenOn && w.answeredOn === writtenOn) return { first, last };
        // Given up only after the write was sent again at least once: the retry is what
        // reaches a new master.
        if (attempt > 1 && (now() >= giveUpAt || now() < pausedUntil)) {
          if (now() >= pausedUntil) {
            pausedUntil = now() + acks.pauseMs;
            deps.onUnconfirmed(what, attempt);
          }
          return { first, last };
        }
        await sleep(Math.min(100 * attempt, 500));
        last = await write(attempt);
        writtenOn = connection;
      }
    },
  };
}
