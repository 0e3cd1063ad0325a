// Wake-ups across processes, over Redis pub/sub: one subscriber connection per process,
// fanned out here to any number of local listeners.
// - `${prefix}:events` (message: job id): the store appended to the job's event stream
//   (published by the store's scripts, in the same step as the write). SSE streams wake on it.
// - `${prefix}:stop` (message: job id): a job must stop starting hooks (DELETE, failFast).
//   Workers wake the pods of that job that are waiting.
// - `${prefix}:parked-changes` (message: a ParkChange, see parked-pods.ts): a pod was parked
//   or unparked. Workers keep their index of parked pods current with it.
// Pub/sub is best effort (a message sent while the subscriber reconnects is lost), so it only
// ever says "look again": the truth is in the store, and readers also look on a timer.

import type { RedisClient } from '../redis.ts';
import { storeKeys } from './keys.ts';
import { parseParkChange, type ParkChange } from './parked-pods.ts';

export interface Notifier {
  /** Resolves once the subscription is active (messages before it are not seen). */
  readonly ready: Promise<void>;
  onJobEvent(jobId: string, cb: () => void): () => void;
  onStop(cb: (jobId: string) => void): () => void;
  publishStop(jobId: string): Promise<void>;
  onParkChange(cb: (change: ParkChange) => void): () => void;
  /** The subscription is back after its connection was lost: messages of the gap are lost. */
  onResubscribed(cb: () => void): () => void;
  /** Unsubscribes; the connections stay their owner's to close. Safe to call twice. */
  close(): Promise<void>;
}

export function createNotifier(deps: {
  subscriber: RedisClient;
  publisher: RedisClient;
  prefix: string;
  /** Also hear park changes (worker processes only: an API has no use for them). */
  parked?: boolean;
  /**
   * Hear job events (default true). Only SSE streams listen to them: a worker process sets
   * false, sparing it (and Redis's fan-out) a message per hook write.
   */
  jobEvents?: boolean;
}): Notifier {
  const { subscriber, publisher } = deps;
  const keys = storeKeys(deps.prefix);
  const jobListeners = new Map<string, Set<() => void>>();
  const stopListeners = new Set<(jobId: string) => void>();
  const parkListeners = new Set<(change: ParkChange) => void>();
  const resubscribeListeners = new Set<() => void>();
  let readyOnce = false;
  // ioredis subscribes again by itself when it reconnects, then says 'ready'.
  const onReady = (): void => {
    if (!readyOnce) {
      readyOnce = true;
      return;
    }
    for (const cb of resubscribeListeners) call(cb);
  };
  if (subscriber.status === 'ready') readyOnce = true;
  subscriber.on('ready', onReady);
  let closed = false;

  const call = (cb: () => void): void => {
    try {
      cb();
    } catch {
      // A listener's failure is its own; the others still hear the message.
    }
  };

  const onMessage = (channel: string, message: string): void => {
    if (channel === keys.eventsChannel) {
      for (const cb of jobListeners.get(message) ?? []) call(cb);
    } else if (channel === keys.stopChannel) {
      for (const cb of stopListeners) call(() => cb(message));
      // A stop also changes what an event stream shows (hooks skipped): wake those too.
      for (const cb of jobListeners.get(message) ?? []) call(cb);
    } else if (channel === keys.parkedChannel) {
      const change = parseParkChange(message);
      if (change !== null) for (const cb of parkListeners) call(() => cb(change));
    }
  };
  subscriber.on('message', onMessage);
  const channels = [...(deps.jobEvents === false ? [] : [keys.eventsChannel]), keys.stopChannel, ...(deps.parked === true ? [keys.parkedChannel] : [])];
  const ready = subscriber.subscribe(...channels).then(() => undefined);
  // Callers that never await `ready` must not see an unhandled rejection; they find out on use.
  ready.catch(() => undefined);

  return {
    ready,
    onJobEvent(jobId, cb) {
      let set = jobListeners.get(jobId);
      if (!set) jobListeners.set(jobId, (set = new Set()));
      set.add(cb);
      return () => {
        set.delete(cb);
        if (set.size === 0 && jobListeners.get(jobId) === set) jobListeners.delete(jobId);
      };
    },
    onStop(cb) {
      stopListeners.add(cb);
      return () => stopListeners.delete(cb);
    },
    onParkChange(cb) {
      parkListeners.add(cb);
      return () => parkListeners.delete(cb);
    },
    onResubscribed(cb) {
      resubscribeListeners.add(cb);
      return () => resubscribeListeners.delete(cb);
    },
    async publishStop(jobId) {
      await publisher.publish(keys.stopChannel, jobId);
    },
    async close() {
      if (closed) return;
      closed = true;
      subscriber.off('message', onMessage);
      subscriber.off('ready', onReady);
      resubscribeListeners.clear();
      jobListeners.clear();
      stopListeners.clear();
      parkListeners.clear();
      if (subscriber.status === 'ready') await subscriber.unsubscribe(...channels).catch(() => undefined);
    },
  };
}
