// A counting semaphore: at most `max` calls in flight, the rest wait in order.
// Used so that thousands of waiters starting together do not open thousands of
// connections to the API server at once (undici's default agent has no per-origin cap).

export interface Limiter {
  run<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T>;
}

export function createLimiter(max: number): Limiter {
  let active = 0;
  const queue: Array<() => void> = [];

  const release = (): void => {
    const next = queue.shift();
    if (next !== undefined) next();
    else active--;
  };

  const acquire = (signal?: AbortSignal): Promise<void> => {
    if (active < max) {
      active++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      // The slot is handed over by release(): `active` is not decremented in between.
      const grant = (): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = (): void => {
        const i = queue.indexOf(grant);
        if (i >= 0) queue.splice(i, 1);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      queue.push(grant);
    });
  };

  return {
    async run<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
      signal?.throwIfAborted();
      await acquire(signal);
      try {
        return await fn();
      } finally {
        release();
      }
    },
  };
}
