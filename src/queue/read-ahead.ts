// Reads a job's pods ahead, in windows of its pod list, so that a pod's first read comes from
// its namespace's watch instead of a GET per pod: before a pod runs, the window it falls in
// (and, past its middle, the next) is named to the watch, which keeps those pods' state from
// its list and events. Pods of a job are queued in order, so a window serves the pods that run
// next; one this process does not run is dropped by the watch after a while.

import type { PodRef } from '../domain/types.ts';
import type { Logger } from '../log.ts';

export interface ReadAheadDeps {
  /** The job's pods `from` .. `from + count - 1`. */
  readonly refs: (jobId: string, from: number, count: number) => Promise<PodRef[]>;
  /** Keep these pods' state from the watch; resolves once it is known (or cannot be). */
  readonly expect: (namespace: string, names: readonly string[]) => Promise<void>;
  readonly log: Logger;
  /**
   * Pods per window. Default 5,000: a window the watch has listed already costs a list of its
   * namespace (every page), so windows are few; a pod read ahead costs a few hundred bytes
   * until it runs.
   */
  readonly windowPods?: number;
  /** A pod waits this long at most for its window; then it reads itself. Default 5 s. */
  readonly waitMs?: number;
}

export interface ReadAhead {
  /** Resolves when the pod's state is kept by the watch, or after waitMs; never rejects. */
  before(jobId: string, podIndex: number): Promise<void>;
}

const MAX_JOBS = 256;

export function createReadAhead(deps: ReadAheadDeps): ReadAhead {
  const size = deps.windowPods ?? 5000;
  const waitMs = deps.waitMs ?? 5000;
  // job -> window number -> its read; Map order makes the first job the least recently used.
  const jobs = new Map<string, Map<number, Promise<void>>>();

  const load = (jobId: string, windows: Map<number, Promise<void>>, k: number): Promise<void> => {
    let p = windows.get(k);
    if (p !== undefined) return p;
    p = (async () => {
      const refs = await deps.refs(jobId, k * size, size);
      const byNamespace = new Map<string, string[]>();
      for (const r of refs) {
        const names = byNamespace.get(r.namespace);
        if (names === undefined) byNamespace.set(r.namespace, [r.name]);
        else names.push(r.name);
      }
      await Promise.all([...byNamespace].map(([ns, names]) => deps.expect(ns, names)));
    })().catch((err: unknown) => {
      deps.log.warn({ jobId, window: k, err: err instanceof Error ? err.message : String(err) }, 'pods could not be read ahead; each is read on its own');
    });
    windows.set(k, p);
    // The windows behind are done with.
    for (const old of windows.keys()) if (old < k - 1) windows.delete(old);
    return p;
  };

  return {
    async before(jobId, podIndex) {
      let windows = jobs.get(jobId);
      if (windows === undefined) windows = new Map();
      jobs.delete(jobId);
      jobs.set(jobId, windows);
      while (jobs.size > MAX_JOBS) {
        const oldest = jobs.keys().next().value;
        if (oldest === undefined) break;
        jobs.delete(oldest);
      }
      const k = Math.floor(podIndex / size);
      const mine = load(jobId, windows, k);
      if (podIndex % size >= size / 2) void load(jobId, windows, k + 1);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([mine, new Promise<void>((r) => (timer = setTimeout(r, waitMs)))]);
      clearTimeout(timer);
    },
  };
}
