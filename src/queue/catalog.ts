// Queue names and payload schemas. Payloads are checked at the Redis boundary, on the way
// in and on the way out, so a job written by an older or a broken producer fails loudly
// as UnrecoverableError instead of running with half its fields.

import { Compile } from 'typebox/compile';
import Type, { type Static } from 'typebox';
import { UnrecoverableError } from 'bullmq';

export const QueueNames = { jobs: 'hookd-jobs', pods: 'hookd-pods' } as const;

/** A submission's parent job: resolves its pods, adds one child per pod, then finalizes when they are done. */
export const JobPayload = Type.Object({
  v: Type.Literal(1),
  jobId: Type.String({ minLength: 1 }),
  /** Absent until the pods have been resolved and the children added. */
  step: Type.Optional(Type.Literal('finalize')),
});
export type JobPayload = Static<typeof JobPayload>;

/** One pod of a submission. */
export const PodPayload = Type.Object({
  v: Type.Literal(1),
  jobId: Type.String({ minLength: 1 }),
  podIndex: Type.Integer({ minimum: 0 }),
  namespace: Type.String({ minLength: 1 }),
  name: Type.String({ minLength: 1 }),
  /** HMAC of the target (podTarget) with the spec key: a pod job rewritten in Redis is refused. */
  mac: Type.String({ minLength: 1 }),
  /** Set when the pod was parked: when its wait began (epoch ms), so a woken run keeps its deadline. */
  waitStartMs: Type.Optional(Type.Integer({ minimum: 0 })),
  /**
   * Set with waitStartMs: the token of the pod's park (see parked-pods.ts), so the woken run
   * unparks that park and not a later one. Absent beside waitStartMs: parked by a version
   * without tokens (its unpark names token 0).
   */
  parkToken: Type.Optional(Type.Integer({ minimum: 1 })),
});
export type PodPayload = Static<typeof PodPayload>;

const jobCheck = Compile(JobPayload);
const podCheck = Compile(PodPayload);

function parse<T>(check: { Check(v: unknown): v is T; Errors(v: unknown): { message: string; instancePath: string }[] }, what: string, value: unknown): T {
  if (check.Check(value)) return value;
  const detail = check.Errors(value).map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ');
  throw new UnrecoverableError(`invalid ${what} payload: ${detail}`);
}

export const parseJobPayload = (v: unknown): JobPayload => parse(jobCheck, 'job', v);
export const parsePodPayload = (v: unknown): PodPayload => parse(podCheck, 'pod', v);

/** What a pod job's MAC covers: which pod of which job it execs into. */
export const podTarget = (p: Pick<PodPayload, 'jobId' | 'podIndex' | 'namespace' | 'name'>): { context: string; body: string } => ({
  context: `pod:${p.jobId}:${p.podIndex}`,
  body: `${p.namespace}/${p.name}`,
});

// BullMQ rejects ':' in custom ids and treats all-digit ids as its own; ours are neither.
export const parentJobId = (jobId: string): string => `${jobId}_job`;
export const podJobId = (jobId: string, podIndex: number): string => `${jobId}_pod_${podIndex}`;
