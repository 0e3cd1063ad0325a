// A job's spec never changes after it is created, but every one of its pods needs it, and
// a spec with an explicit pod list is large (10,000 pods: ~600 KB). Reading and parsing it
// once per pod made a 10,000-pod job cost gigabytes of transfer and parsing. Each worker
// keeps the specs of the jobs it is working on, sharing one read between concurrent pods.

import type { JobSpec } from '../domain/views.ts';

export interface SpecCache {
  get(jobId: string): Promise<JobSpec | null>;
}

export function createSpecCache(load: (jobId: string) => Promise<JobSpec | null>, opts: { maxJobs?: number; ttlMs?: number } = {}): SpecCache {
  const maxJobs = opts.maxJobs ?? 64;
  const ttlMs = opts.ttlMs ?? 10 * 60_000;
  // Map order is insertion order: re-inserting on use makes the first key the least recently used.
  const entries = new Map<string, { spec: Promise<JobSpec | null>; at: number }>();
  return {
    get(jobId) {
      const now = Date.now();
      const hit = entries.get(jobId);
      if (hit && now - hit.at < ttlMs) {
        entries.delete(jobId);
        entries.set(jobId, { spec: hit.spec, at: now });
        return hit.spec;
      }
      const spec = load(jobId);
      entries.delete(jobId);
      entries.set(jobId, { spec, at: now });
      // A missing spec or a failed read is not remembered: the next pod asks again.
      spec.then(
        (s) => s === null && entries.get(jobId)?.spec === spec && entries.delete(jobId),
        () => entries.get(jobId)?.spec === spec && entries.delete(jobId),
      );
      while (entries.size > maxJobs) {
        const oldest = entries.keys().next().value;
        if (oldest === undefined) break;
        entries.delete(oldest);
      }
      return spec;
    },
  };
}
