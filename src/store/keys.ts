// Every Redis key of the results store, in one place.
//
// A job's keys share the hash tag `{jobId}`, so every multi-key change of a job is one
// MULTI or Lua script, even when they are spread over a sharded deployment. Creating a
// job also writes the index and its idempotency key in the same script, and a page of
// GET /v1/jobs reads many jobs in one pipeline: on Redis Cluster that needs every key in one
// slot, which is why config.ts requires a prefix holding a hash tag there (`{hookd}`): Redis
// hashes only the first tag of a key, so the prefix's tag wins over the job's. BullMQ's keys
// (`<prefix>:hookd-jobs:*`, `<prefix>:hookd-pods:*`) start with the same prefix, as its flows
// (a parent job, a child per pod, in two queues) need. On one server, or Sentinel's master,
// the tags change nothing.

import { createHash } from 'node:crypto';

export interface JobKeys {
  /** Hash: the job's fields (status, times, spec, summary counters). */
  readonly job: string;
  /** Hash: per pod `<i>:ref` (JSON PodRef), `<i>:st` (PodStatus), `<i>:err` (error). */
  readonly pods: string;
  /** Hash: per pod `<i>` -> PodPlan JSON, once the plan is known. */
  readonly plans: string;
  /** Hash: per hook `<pod>:<hook>` -> `<phase>|<startedAtMs>` (small: the Lua scripts read it). */
  readonly hooks: string;
  /** Hash: per ended hook `<pod>:<hook>` -> JSON { exitCode, stdout, stderr, outputTruncated, error, finishedAtMs }. */
  readonly results: string;
  /** Stream: the job's events for Server-Sent Events (hook changes, then done). */
  readonly events: string;
}

export interface StoreKeys {
  readonly prefix: string;
  job(jobId: string): JobKeys;
  /** The job's keys, in the order the Lua scripts take them. */
  jobKeyList(jobId: string): string[];
  /** String: the id of the worker running this hook (worker-liveness.ts); the job's hash tag, so the hook's scripts can write it. */
  runningClaim(jobId: string, podIndex: number, hookIndex: number): string;
  /** Sorted set of every job id, scored by createdAtMs; expired ids are dropped lazily. */
  readonly index: string;
  /** An Idempotency-Key, hashed so any header value makes a safe key. */
  idempotency(key: string): string;
  /** Pub/sub channel: a job has a new event (message: job id). */
  readonly eventsChannel: string;
  /** Pub/sub channel: a job must stop starting hooks (message: job id). */
  readonly stopChannel: string;
  /** Set: the namespaces that have parked pods. */
  readonly parkedNamespaces: string;
  /** Hash per namespace: `<jobId>/<podIndex>` -> what that parked pod waits for (JSON). */
  parked(namespace: string): string;
  /** Pub/sub channel: a pod was parked or unparked (message: see parked-pods.ts). */
  readonly parkedChannel: string;
}

export function storeKeys(prefix: string): StoreKeys {
  const job = (id: string): JobKeys => ({
    job: `${prefix}:{${id}}:job`,
    pods: `${prefix}:{${id}}:pods`,
    plans: `${prefix}:{${id}}:plans`,
    hooks: `${prefix}:{${id}}:hooks`,
    results: `${prefix}:{${id}}:results`,
    events: `${prefix}:{${id}}:events`,
  });
  return {
    prefix,
    job,
    jobKeyList: (id) => {
      const k = job(id);
      return [k.job, k.pods, k.plans, k.hooks, k.results, k.events];
    },
    runningClaim: (id, podIndex, hookIndex) => `${prefix}:{${id}}:running:${podIndex}:${hookIndex}`,
    index: `${prefix}:jobs`,
    idempotency: (key) => `${prefix}:idem:${createHash('sha256').update(key).digest('hex')}`,
    eventsChannel: `${prefix}:events`,
    stopChannel: `${prefix}:stop`,
    parkedNamespaces: `${prefix}:parked`,
    parked: (namespace) => `${prefix}:parked:${namespace}`,
    parkedChannel: `${prefix}:parked-changes`,
  };
}
