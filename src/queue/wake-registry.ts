// Wakes the pods of a job that are waiting for their containers when the job is told to
// stop (DELETE, or failFast tripped by another pod, possibly in another process). The
// store holds the stop reason; this only interrupts waits so they read it at once.

export interface WakeHandle {
  readonly signal: AbortSignal;
  dispose(): void;
}

export interface WakeRegistry {
  /** A signal aborted when `wake(jobId)` is called, until disposed. */
  register(jobId: string): WakeHandle;
  wake(jobId: string): void;
  /** Jobs that have pods registered now. */
  jobIds(): string[];
  readonly size: number;
}

export function createWakeRegistry(): WakeRegistry {
  const byJob = new Map<string, Set<AbortController>>();
  return {
    register(jobId) {
      const ac = new AbortController();
      let set = byJob.get(jobId);
      if (!set) byJob.set(jobId, (set = new Set()));
      set.add(ac);
      return {
        signal: ac.signal,
        dispose() {
          const s = byJob.get(jobId);
          if (!s) return;
          s.delete(ac);
          if (s.size === 0) byJob.delete(jobId);
        },
      };
    },
    wake(jobId) {
      for (const ac of byJob.get(jobId) ?? []) ac.abort(new Error(`job ${jobId} was told to stop`));
    },
    jobIds() {
      return [...byJob.keys()];
    },
    get size() {
      return byJob.size;
    },
  };
}
