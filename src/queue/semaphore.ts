// Bounds how many execs one worker process runs at once. Waiting pods hold no slot: only
// the exec itself does, so a thousand pods waiting for their containers cost nothing here.

export interface Semaphore {
  /** Runs fn in a slot; a wait for a slot ends with the signal's reason when it aborts first. */
  run<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T>;
  readonly active: number;
  readonly queued: number;
}

export function createSemaphore(limit: number): Semaphore {
  let active = 0;
  const waiting: Array<() => void> = [];
  const release = (): void => {
    active--;
    const next = waiting.shift();
    if (next) {
      active++;
      next();
    }
  };
  return {
    async run(fn, signal) {
      if (active < limit) active++;
      else {
        await new Promise<void>((resolve, reject) => {
          if (signal?.aborted) return reject(signal.reason);
          const onAbort = (): void => {
            const i = waiting.indexOf(granted);
            if (i >= 0) waiting.splice(i, 1);
            reject(signal?.reason);
          };
          const granted = (): void => {
            signal?.removeEventListener('abort', onAbort);
            resolve();
          };
          signal?.addEventListener('abort', onAbort, { once: true });
          waiting.push(granted);
        });
      }
      try {
        return await fn();
      } finally {
        release();
      }
    },
    get active() {
      return active;
    },
    get queued() {
      return waiting.length;
    },
  };
}
