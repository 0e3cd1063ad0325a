// Creating a job, shared by POST /v1/jobs and the Velero trigger: Idempotency-Key handling
// (api.md: same key + same JSON value -> 200 with the first job; another body -> 409),
// then the record, then the queue.

import { createHash } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import { canonicalJson } from '../domain/canonical-json.ts';
import { footprintProblem, jobFootprint } from '../domain/job-footprint.ts';
import type { JobSpec } from '../domain/views.ts';
import * as E from '../errors.ts';
import type { AppDeps } from './deps.ts';

export interface Submission {
  readonly spec: Omit<JobSpec, 'id' | 'createdAtMs'>;
  readonly idempotencyKey: string | undefined;
  /** What the key is compared on: the request as a JSON value (compared canonically, not as bytes). */
  readonly request: unknown;
  readonly trigger: 'api' | 'velero';
  /** callerKey of the submitter: Idempotency-Keys are scoped to it. */
  readonly scope: string;
}

export const jobLink = (id: string): string => `/v1/jobs/${encodeURIComponent(id)}`;

/** Explicit pods are known now: a job too big to store is a 400 (a selector's are bounded when the job lists them). */
export function checkFootprint(deps: AppDeps, spec: Pick<JobSpec, 'source' | 'hooks'>): void {
  if (spec.source.kind !== 'pods') return;
  const { limits } = deps;
  const problem = footprintProblem(jobFootprint(spec.hooks, spec.source.pods.length), { maxHookRuns: limits.maxHookRunsPerJob, maxBytes: limits.maxJobBytes });
  if (problem) throw problem.kind === 'hooks' ? new E.LimitHooks(`body: ${problem.message}`) : new E.LimitJobSize(`body: ${problem.message}`);
}

export async function submit(deps: AppDeps, onCreated: (id: string) => void, s: Submission, reply: FastifyReply) {
  checkFootprint(deps, s.spec);
  const spec: JobSpec = { ...s.spec, id: deps.newJobId(), createdAtMs: deps.now() };
  const idempotency =
    s.idempotencyKey === undefined
      ? undefined
      : { key: `${s.trigger}:${s.scope}:${s.idempotencyKey}`, bodyHash: createHash('sha256').update(canonicalJson(s.request)).digest('hex') };
  const result = await deps.store.createJob(spec, idempotency);

  if (result.kind === 'conflict') {
    if (result.inProgress) throw new E.IdempotencyInProgress(JSON.stringify(s.idempotencyKey));
    throw new E.IdempotencyConflict(JSON.stringify(s.idempotencyKey), result.jobId);
  }
  if (result.kind === 'existing') {
    // The first request may have died between its record and the queue: enqueue again
    // (the producer dedupes by job id) while the job has not started.
    if (result.job.status === 'queued') {
      const first = await deps.store.getSpec(result.job.id);
      if (first) await enqueue(deps, first);
    }
    return reply
      .code(200)
      .header('location', jobLink(result.job.id))
      .send({ id: result.job.id, status: result.job.status, links: { self: jobLink(result.job.id) } });
  }

  await enqueue(deps, spec);
  onCreated(spec.id);
  return reply.code(202).header('location', jobLink(spec.id)).send({ id: spec.id, status: 'queued', links: { self: jobLink(spec.id) } });
}

async function enqueue(deps: AppDeps, spec: JobSpec): Promise<void> {
  try {
    await deps.producer.enqueue(spec);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    // A job that cannot be queued would stay "queued" for ever: end it, saying why.
    await deps.store.failJob(spec.id, `the job could not be queued: ${message}`, deps.now()).catch(() => undefined);
    throw new E.QueueUnavailable(message);
  }
}
