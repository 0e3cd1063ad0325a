// Reads a job's pods ahead, in windows of its pod list, so that a pod's first read comes from
// its namespace's watch instead of a GET per pod: before a pod runs, the window it falls in
// (and, past its middle, the next) is named to the watch, which keeps those pods' state from
// its list and events. Pods of a job are queued in order, so a window serves the pods that run
// next; one this process does not run is dropped by the watch after a while. A pod waits for
// its own state, not for its window: one on the list's first page starts before the last page.

import type { PodRef } from '../domain/types.ts';
import type { Logger } from '../log.ts';

export interface ReadAheadDeps {
  /** The job's pods `from` .. `from + count - 1`. */
  readonly refs: (jobId: string, from: number, count: number) => Promise<PodRef[]>;
  /** Keep these pods' state from the watch; resolves once it is known (or cannot be). */
  readonly expect: (namespace: string, names: readonly string[]) => Promise<void>;
  /** Resolves once the state of one pod named to `expect` is known, or cannot be. */
  readonly known: (ref: PodRef) => Promise<void>;
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
  before(jobId: string, podIndex: number, ref: PodRef): Promise<void>;
  /**
   * The job has just been started here with these pods (its whole list, in order): its first
   * window is read ahead from them, without reading them back from the store.
   */
  start(jobId: string, refs: readonly PodRef[]): void;
}

/** A window's read: `named` once its pods are named to the watch, `listed` once their list has ended. */
interface Window {
  readonly named: Promise<void>;
  readonly listed: Promise<void>;
}

const MAX_JOBS = 256;

export function createReadAhead(deps: ReadAheadDeps): ReadAhead {
  const size = deps.windowPods ?? 5000;
  const waitMs = deps.waitMs ?? 5000;
  // job -> window number -> its read; Map order makes the first job the least recently used.
  const jobs = new Map<string, Map<number, Window>>();

  const windowsOf = (jobId: string): Map<number, Window> => {
    let windows = jobs.get(jobId);
    if (windows === undefined) windows = new Map();
    jobs.delete(jobId);
    jobs.set(jobId, windows);
    while (jobs.size > MAX_JOBS) {
      const oldest = jobs.keys().next().value;
      if (oldest === undefined) break;
      jobs.delete(oldest);
    }
    return windows;
  };

  const load = (jobId: string, windows: Map<number, Window>, k: number, given?: readonly PodRef[]): Window => {
    const known = windows.get(k);
    if (known !== undefined) return known;
    const warn = (err: unknown): void => {
      deps.log.warn({ jobId, window: k, err: err instanceof Error ? err.message : String(err) }, 'pods could not be read ahead; each is read on its own');
    };
    const named = (given !== undefined ? Promise.resolve(given) : deps.refs(jobId, k * size, size)).then((refs) => {
      const byNamespace = new Map<string, string[]>();
      for (const r of refs) {
        const names = byNamespace.get(r.namespace);
        if (names === undefined) byNamespace.set(r.namespace, [r.name]);
        else names.push(r.name);
      }
      // expect names the pods before it awaits anything: once this resolves, `known` can answer.
      return [...byNamespace].map(([ns, names]) => deps.expect(ns, names));
    });
    const w: Window = {
      named: named.then(() => undefined, () => undefined),
      listed: named.then((lists) => Promise.all(lists)).then(() => undefined, warn),
    };
    windows.set(k, w);
    // The windows behind are done with.
    for (const old of windows.keys()) if (old < k - 1) windows.delete(old);
    return w;
  };

  return {
    async before(jobId, podIndex, ref) {
      const windows = windowsOf(jobId);
      const k = Math.floor(podIndex / size);
      const mine = load(jobId, windows, k);
      if (podIndex % size >= size / 2) void load(jobId, windows, k + 1);
      let timer: NodeJS.Timeout | undefined;
      const own = mine.named.then(() => deps.known(ref)).catch(() => undefined);
      await Promise.race([own, mine.listed, new Promise<void>((r) => (timer = setTimeout(r, waitMs)))]);
      clearTimeout(timer);
    },
    start(jobId, refs) {
      void load(jobId, windowsOf(jobId), 0, refs.slice(0, size));
    },
  };
}
