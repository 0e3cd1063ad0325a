// Who is running a hook, and is that worker still alive? A pod taken over by another
// worker (its lock expired: a Redis outage longer than the lock, an event loop that
// stalled) finds its running hook marked running. If the worker that marked it is alive,
// its exec is still going and it will record the result: the new worker waits for it
// instead of reporting "interrupted". Only when that worker is gone (kill -9, its
// heartbeat expired) is the hook's outcome unknown.
// Each worker process refreshes a heartbeat key every HEARTBEAT_MS (TTL HEARTBEAT_TTL_MS);
// each running hook has a claim key naming its worker, written with its running mark and
// removed with its result (the store's scripts do both, in the same step as the hook's write).

import { randomBytes } from 'node:crypto';
import type { RedisClient } from '../redis.ts';
import { storeKeys } from './keys.ts';

const HEARTBEAT_MS = 5_000;
/** Long enough to outlive a Redis restart (the key's remaining life is at least 15 s). */
const HEARTBEAT_TTL_MS = 20_000;
/** Between the worker's id and the claim's number in a claim's value (never in a worker id). */
const CLAIM_SEPARATOR = '#';

export interface RunningClaims {
  /** This process's id: what its claims start with. */
  readonly workerId: string;
  /**
   * The value of a new running claim: this process's id and a number no other of its claims
   * has, so a run tells its own mark (found again after a reconnect) from another run's.
   */
  nextClaim(): string;
  /** True while the worker that claimed the hook is alive (this process included: another of its pod runs holds it). */
  holderAlive(jobId: string, podIndex: number, hookIndex: number): Promise<boolean>;
}

export interface WorkerLiveness extends RunningClaims {
  stop(): Promise<void>;
}

export function startWorkerLiveness(redis: RedisClient, prefix: string): WorkerLiveness {
  const workerId = `w${randomBytes(8).toString('hex')}`;
  const heartbeatKey = (id: string): string => `${prefix}:worker:${id}`;
  const keys = storeKeys(prefix);
  const beat = (): Promise<unknown> => redis.set(heartbeatKey(workerId), '1', 'PX', HEARTBEAT_TTL_MS).catch(() => undefined);
  void beat();
  const timer = setInterval(() => void beat(), HEARTBEAT_MS);
  let claims = 0;
  timer.unref();
  return {
    workerId,
    nextClaim: () => `${workerId}${CLAIM_SEPARATOR}${++claims}`,
    async holderAlive(jobId, podIndex, hookIndex) {
      const value = await redis.get(keys.runningClaim(jobId, podIndex, hookIndex));
      if (value === null) return false;
      const holder = value.split(CLAIM_SEPARATOR, 1)[0] ?? value;
      if (holder === workerId) return true;
      return (await redis.exists(heartbeatKey(holder))) === 1;
    },
    async stop() {
      clearInterval(timer);
      await redis.del(heartbeatKey(workerId)).catch(() => undefined);
    },
  };
}
