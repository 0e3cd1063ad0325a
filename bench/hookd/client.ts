// The benchmark's client of hookd's HTTP API (api.md): submit a job, follow it through the
// cheap job summaries of GET /v1/jobs (never the full job, whose 10,000 hooks make a
// megabytes-long body), and read the full job once at the end.

import type { JobSummaryView, JobView } from '../../src/domain/views.ts';

export const ENDED = new Set(['completed', 'partially_failed', 'failed', 'cancelled']);

export interface BenchHooks {
  readonly resources: readonly object[];
}

/** One exec hook on container `app` of every pod of the namespace, as a Velero Restore spells it. */
export function benchHooks(namespace: string, command: readonly string[], container: string, waitTimeout: string): BenchHooks {
  return {
    resources: [
      {
        name: 'bench',
        includedNamespaces: [namespace],
        postHooks: [{ exec: { container, command, execTimeout: '60s', waitTimeout, onError: 'Continue' } }],
      },
    ],
  };
}

async function json<T>(res: Response, what: string): Promise<T> {
  const text = await res.text();
  if (!res.ok) throw new Error(`${what}: HTTP ${res.status}: ${text.slice(0, 500)}`);
  return JSON.parse(text) as T;
}

export async function postJob(base: string, body: object): Promise<string> {
  const res = await fetch(`${base}/v1/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const created = await json<{ id: string }>(res, 'POST /v1/jobs');
  return created.id;
}

export async function getJob(base: string, id: string): Promise<JobView> {
  return json<JobView>(await fetch(`${base}/v1/jobs/${id}`), `GET /v1/jobs/${id}`);
}

export async function jobSummary(base: string, id: string): Promise<JobSummaryView> {
  // The benchmark's prefix holds its own jobs only; the newest few are enough.
  const list = await json<{ jobs: JobSummaryView[] }>(await fetch(`${base}/v1/jobs?limit=5`), 'GET /v1/jobs');
  const job = list.jobs.find((j) => j.id === id);
  if (!job) throw new Error(`job ${id} is not in GET /v1/jobs`);
  return job;
}

export function hooksDone(s: JobSummaryView['summary']): number {
  return s.hooksSucceeded + s.hooksFailed + s.hooksSkipped;
}

/**
 * Polls the job's summary until it has ended (or `until` holds), reporting progress. Fails
 * as soon as `crashed` does (a hookd process died) or after `timeoutMs`.
 */
export async function followJob(
  base: string,
  id: string,
  opts: {
    readonly timeoutMs: number;
    readonly pollMs?: number;
    readonly crashed: Promise<never>;
    readonly onProgress?: (s: JobSummaryView) => void;
    readonly until?: (s: JobSummaryView) => boolean;
  },
): Promise<JobSummaryView> {
  const deadline = Date.now() + opts.timeoutMs;
  let failure: unknown = null;
  opts.crashed.catch((err: unknown) => (failure = err));
  for (;;) {
    if (failure !== null) throw failure;
    const s = await jobSummary(base, id);
    opts.onProgress?.(s);
    if (opts.until ? opts.until(s) : ENDED.has(s.status) && s.finishedAt !== null) return s;
    if (Date.now() > deadline) throw new Error(`job ${id} did not get there within ${opts.timeoutMs} ms: ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 250));
  }
}

/** The last hook's end, from the full job (ms since the epoch); every hook must have succeeded. */
export function lastHookFinishedMs(job: JobView): number {
  let last = 0;
  for (const pod of job.pods) {
    for (const h of pod.hooks) {
      if (h.phase !== 'succeeded') throw new Error(`hook of ${pod.namespace}/${pod.name} ended ${h.phase}: ${h.error ?? ''}`);
      last = Math.max(last, Date.parse(h.finishedAt ?? ''));
    }
  }
  if (!Number.isFinite(last) || last === 0) throw new Error(`job ${job.id} has no finished hooks`);
  return last;
}
