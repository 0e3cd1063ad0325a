// A job's spec never changes after it is created, but every one of its pods needs it, and
// a spec with an explicit pod list is large (10,000 pods: ~600 KB). Reading and parsing it
// once per pod made a 10,000-pod job cost gigabytes of transfer and parsing. Each worker
// keeps the specs of the jobs it is working on, sharing one read between concurrent pods,
// and keeps only what a pod needs of them (not the pod list): parked pods of hundreds of jobs
// wake in any order, and a cache too small for them would read and parse a whole spec per wake.

import type { JobSpec } from '../domain/views.ts';

/** What one pod's run needs of its job's spec. */
export type PodJobSpec = Pick<JobSpec, 'id' | 'hooks' | 'failFast' | 'restoreRef' | 'owner' | 'sourceIP'>;

export interface SpecCache {
  get(jobId: string): Promise<PodJobSpec | null>;
}

function slim(spec: JobSpec | null): PodJobSpec | null {
  if (spec === null) return null;
  const { id, hooks, failFast, restoreRef, owner, sourceIP } = spec;
  return {
    id,
    hooks,
    failFast,
    ...(restoreRef !== undefined ? { restoreRef } : {}),
    ...(owner !== undefined ? { owner } : {}),
    ...(sourceIP !== undefined ? { sourceIP } : {}),
  };
}

export function createSpecCache(read: (jobId: string) => Promise<JobSpec | null>, opts: { maxJobs?: number; ttlMs?: number } = {}): SpecCache {
  const load = (jobId: string): Promise<PodJobSpec | null> => read(jobId).then(slim);
  const maxJobs = opts.maxJobs ?? 1024;
  const ttlMs = opts.ttlMs ?? 10 * 60_000;
  // Map order is insertion order: re-inserting on use makes the first key the least recently used.
  const entries = new Map<string, { spec: Promise<PodJobSpec | null>; at: number }>();
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
