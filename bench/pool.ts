// A fixed number of loops pulling the next item: the "same concurrency" every runner of the
// benchmark is held to (hookd's HOOKD_EXEC_CONCURRENCY, the baseline, the Velero-style loop).

export async function eachConcurrently<T>(items: readonly T[], concurrency: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const loop = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      await work(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, loop));
}

/** Counting semaphore: at most `n` holders at once, first come first served. */
export function semaphore(n: number): <R>(fn: () => Promise<R>) => Promise<R> {
  let free = n;
  const queue: Array<() => void> = [];
  return async <R>(fn: () => Promise<R>): Promise<R> => {
    if (free > 0) free--;
    else await new Promise<void>((resolve) => queue.push(resolve));
    try {
      return await fn();
    } finally {
      const wake = queue.shift();
      if (wake) wake();
      else free++;
    }
  };
}
