// Creating a job, shared by POST /v1/jobs and the Velero trigger: Idempotency-Key handling
// (same key + same JSON value -> 200 with the first job; another body -> 409),
// then the record, then the queue.

import { createHash } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import { callerName } from '../auth/caller.ts';
import { canonicalJson } from '../domain/canonical-json.ts';
import { footprintProblem, jobFootprint } from '../domain/job-footprint.ts';
import type { JobSpec } from '../domain/views.ts';
import * as E from '../errors.ts';
import type { AppDeps } from './deps.ts';
import { bindJobId } from './request-log.ts';

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
    bindJobId(reply.request, reply, result.job.id);
    reply.log.info('idempotent replay: the job of this Idempotency-Key');
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

  bindJobId(reply.request, reply, spec.id);
  await enqueue(deps, spec);
  onCreated(spec.id);
  logCreated(reply, s, spec);
  return reply.code(202).header('location', jobLink(spec.id)).send({ id: spec.id, status: 'queued', links: { self: jobLink(spec.id) } });
}

/** How a job came to be, as its log says: explicit pods, a selector, or a Velero Restore. */
function triggerOf(s: Pick<Submission, 'trigger' | 'spec'>): 'pods' | 'selector' | 'velero-restore' {
  return s.trigger === 'velero' ? 'velero-restore' : s.spec.source.kind;
}

/** The first line of a job's story, then its warnings: the line an operator greps a job id for. */
function logCreated(reply: FastifyReply, s: Submission, spec: JobSpec): void {
  const { source } = spec;
  const caller = reply.request.caller;
  reply.log.info(
    {
      trigger: triggerOf(s),
      caller: callerName(caller),
      callerKind: caller.kind,
      restore: spec.restore,
      ...(source.kind === 'pods' ? { pods: source.pods.length } : { namespaces: source.namespaces, labelSelector: source.labelSelector }),
      hookResources: spec.hooks?.resources?.length ?? 0,
      failFast: spec.failFast,
    },
    'job created',
  );
  for (const warning of spec.warnings) reply.log.warn({ warning }, 'job warning');
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
