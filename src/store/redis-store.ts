// The results store on Redis (store/types.ts is the contract; keys.ts the layout;
// scripts.ts the atomic writes). Each verb is one round trip unless noted: writes are one
// Lua script each (state, counters, event and notification together); getJob is one
// MULTI of five HGETALLs, whatever the job's size; getPods reads one page of pods
// field by field (pods-page.ts).

import { Redis } from 'ioredis';
import type { Sealer } from './sealed-json.ts';
import type { RedisClient } from '../redis.ts';
import { jobStatusOf } from '../domain/summary.ts';
import { HookPhase, JobStatus, type HookResult, type JobStatus as JobStatusT, type PodPlan } from '../domain/types.ts';
import type { JobSpec, JobView } from '../domain/views.ts';
import {
  hookValue,
  isJobStatus,
  jobFields,
  parseHookValue,
  parsePodRef,
  podRefValue,
  podStatusValue,
  podViews,
  resultJson,
  settledJson,
  SUMMARY_FIELDS,
  summaryFromFields,
  summaryOf,
} from './codec.ts';
import { readEventKeys, readEvents } from './events.ts';
import { storeKeys } from './keys.ts';
import { listJobs, sweepIndex } from './list-jobs.ts';
import { readPodPage } from './pods-page.ts';
import { runLua, type LuaScript } from './lua.ts';
import * as S from './scripts.ts';
import { confirmedWrites, type ConfirmedWrites, type ReplicaAcks } from './replica-acks.ts';
import type { CancelResult, CreateJobResult, JobStore, PodRecord } from './types.ts';

export interface RedisStoreDeps {
  readonly redis: RedisClient;
  readonly prefix: string;
  /** How long a job's results are kept once it has ended (its Idempotency-Key too). */
  readonly retentionMs: number;
  /** Seals the records that decide what runs: a job's spec and its pods' plans. */
  readonly sealer: Sealer;
  readonly now?: () => number;
  /**
   * Replicas that must confirm each hook write (Sentinel: a failover must not lose what a
   * hook did). Unset: a write counts once the master has it.
   */
  readonly replicaAcks?: { readonly acks: ReplicaAcks; readonly onUnconfirmed: (what: string, attempts: number) => void };
}

const specContext = (jobId: string): string => `spec:${jobId}`;
const planContext = (jobId: string, podIndex: number): string => `plan:${jobId}:${podIndex}`;

/**
 * markHookRunning refused: the hook is not pending or waiting (e.g. skipped by a cancel that came first),
 * or its job has a stop reason (`phase` is then 'stopped'). Do not exec it.
 */
export class HookNotRunnableError extends Error {
  override readonly name = 'HookNotRunnableError';
  readonly code = 'HOOK_NOT_RUNNABLE';
  constructor(
    message: string,
    readonly phase: string,
  ) {
    super(message);
  }
}

/** A write named a job, pod or hook the store does not hold (unknown, expired, or not yet planned). */
export class StoreRecordMissingError extends Error {
  override readonly name = 'StoreRecordMissingError';
  readonly code = 'STORE_RECORD_MISSING';
}

/** How long an Idempotency-Key claim may point at a job not written yet (its creator crashed) before another request may take it over. */
const IDEMPOTENCY_CLAIM_MS = 60_000;
const CANCEL_REASON = 'job cancelled (DELETE /v1/jobs/{id})';

export function createRedisStore(deps: RedisStoreDeps): JobStore {
  const { redis, retentionMs } = deps;
  const now = deps.now ?? Date.now;
  const keys = storeKeys(deps.prefix);
  // Sentinel's master is one server (WAIT answers for its own replicas); a Cluster spreads keys over several.
  const confirmed: ConfirmedWrites | null =
    deps.replicaAcks && redis instanceof Redis ? confirmedWrites({ redis, acks: deps.replicaAcks.acks, onUnconfirmed: deps.replicaAcks.onUnconfirmed }) : null;
  /** A hook write, confirmed by a replica where one is required. */
  const hookWrite = async (what: string, write: (attempt: number) => Promise<string>, wrote: (reply: string) => boolean): Promise<{ first: string; last: string }> => {
    if (!confirmed) {
      const reply = await write(0);
      return { first: reply, last: reply };
    }
    return confirmed.confirm(what, write, wrote);
  };

  const run = (script: LuaScript, jobId: string, args: readonly (string | number)[], claimKey?: string): Promise<unknown> =>
    runLua(redis, script, claimKey === undefined ? keys.jobKeyList(jobId) : [...keys.jobKeyList(jobId), claimKey], [keys.eventsChannel, jobId, ...args]);

  /** READ_POD's reply (also inside BEGIN_POD's) as a record; the stored plan's seal is checked here. */
  async function podRecord(jobId: string, podIndex: number, raw: unknown): Promise<PodRecord | null> {
    const reply = raw as [string, string | null, string | null, string | null, (string | null)[]] | [];
    if (reply.length === 0) return null;
    const [ref, status, planJson, stopReason, read] = reply;
    const plan = planJson ? deps.sealer.open<PodPlan>(planContext(jobId, podIndex), planJson, `the plan of pod ${podIndex} of job ${jobId}`) : null;
    // The script read indexes 0..n-1 for the n hooks it counted; a plan numbered otherwise is read here.
    const numbered = plan !== null && read.length === plan.hooks.length && plan.hooks.every((h, i) => h.index === i);
    const values = plan && plan.hooks.length > 0 ? (numbered ? read : await redis.hmget(keys.job(jobId).hooks, ...plan.hooks.map((h) => `${podIndex}:${h.index}`))) : [];
    return {
      ref: parsePodRef(ref),
      status: podStatusValue(status),
      plan,
      hooks: (plan?.hooks ?? []).map((h, i) => ({ index: h.index, phase: parseHookValue(values[i] ?? `${HookPhase.Pending}|`).phase })),
      jobStopReason: stopReason,
    };
  }

  /** RECORD_PLAN's and BEGIN_POD's arguments after the pod index: the sealed plan and each hook's first value. */
  function planArgs(jobId: string, podIndex: number, plan: PodPlan, atMs: number): (string | number)[] {
    const hooks: (string | number)[] = [];
    let skipped = 0;
    for (const h of plan.hooks) {
      const skip = h.skipReason !== null;
      if (skip) skipped++;
      hooks.push(h.index, hookValue(skip ? HookPhase.Skipped : HookPhase.Pending, null), skip ? settledJson(h.skipReason ?? '', atMs) : '');
    }
    return [deps.sealer.seal(planContext(jobId, podIndex), plan), skipped, ...hooks];
  }

  function check(reply: unknown, what: string): void {
    if (reply === 'missing' || reply === 'no_pod') throw new StoreRecordMissingError(`${what}: ${reply === 'missing' ? 'no such job (unknown or expired)' : 'no such pod in the job'}`);
  }

  async function summary(jobId: string) {
    return summaryFromFields(await redis.hmget(keys.job(jobId).job, ...SUMMARY_FIELDS));
  }

  async function readJob(jobId: string): Promise<JobView | null> {
    const k = keys.job(jobId);
    const replies = (await redis.multi().hmget(k.job, ...SUMMARY_FIELDS).hgetall(k.pods).hgetall(k.plans).hgetall(k.hooks).hgetall(k.results).exec()) ?? [];
    for (const [err] of replies) if (err) throw err;
    const [fields, pods, plans, hooks, results] = replies.map((r) => r[1]) as [
      (string | null)[],
      Record<string, string>,
      Record<string, string>,
      Record<string, string>,
      Record<string, string>,
    ];
    const head = summaryFromFields(fields);
    if (!head) return null;
    const views = podViews(head.summary.pods, pods, plans, hooks, results);
    return { ...head, summary: summaryOf(views), pods: views };
  }

  async function expireIdempotencyKey(jobId: string): Promise<void> {
    const idem = await redis.hget(keys.job(jobId).job, 'idem');
    if (idem) await redis.pexpire(idem, retentionMs);
  }

  async function end(jobId: string, status: JobStatusT, error: string | null, atMs: number, warnings: readonly string[] | null = null): Promise<JobStatusT> {
    const reply = (await run(S.FINISH, jobId, [atMs, status, retentionMs, error === null ? '0' : '1', error ?? '', warnings === null ? '' : JSON.stringify(warnings)])) as [string, string];
    if (reply[0] === 'missing') throw new StoreRecordMissingError(`finish job ${jobId}: no such job (unknown or expired)`);
    if (reply[0] === 'finished') await expireIdempotencyKey(jobId);
    return isJobStatus(reply[1]) ? reply[1] : status;
  }

  /** Claims an Idempotency-Key for `jobId`, or says who holds it. */
  async function claim(key: string, bodyHash: string, jobId: string): Promise<CreateJobResult | null> {
    const idemKey = keys.idempotency(key);
    for (let attempt = 0; attempt < 3; attempt++) {
      const value = `${jobId} ${bodyHash} ${now()}`;
      if ((await redis.set(idemKey, value, 'PX', IDEMPOTENCY_CLAIM_MS, 'NX')) === 'OK') return null;
      const held = await redis.get(idemKey);
      if (held === null) continue; // expired in between: claim again
      const [heldJob = '', heldHash = '', heldAt = '0'] = held.split(' ');
      if (heldHash !== bodyHash) return { kind: 'conflict', jobId: heldJob };
      const job = await summary(heldJob);
      if (job) return { kind: 'existing', job };
      // Claimed but the job is not written: its request is in flight, or died before writing it.
      if (now() - Number(heldAt) < IDEMPOTENCY_CLAIM_MS) return { kind: 'conflict', jobId: heldJob, inProgress: true };
      await runLua(redis, S.DELETE_IF_EQUAL, [idemKey], [held]);
    }
    throw new Error(`Idempotency-Key ${key} could not be claimed`);
  }

  return {
    async createJob(spec: JobSpec, idempotency) {
      if (idempotency) {
        const held = await claim(idempotency.key, idempotency.bodyHash, spec.id);
        if (held) return held;
      }
      const idemKey = idempotency ? keys.idempotency(idempotency.key) : null;
      const fields = jobFields(spec, deps.sealer.seal(specContext(spec.id), spec), idemKey);
      const pods = spec.source.kind === 'pods' ? spec.source.pods.map(podRefValue) : [];
      // The job, its place in the index and its Idempotency-Key (kept as long as the job:
      // finishJob gives it the job's retention) are written together.
      const createKeys = [...keys.jobKeyList(spec.id), keys.index, ...(idemKey ? [idemKey] : [])];
      await runLua(redis, S.CREATE, createKeys, [keys.eventsChannel, spec.id, spec.createdAtMs, fields.length / 2, ...fields, ...pods]);
      await sweepIndex(redis, keys, now() - retentionMs);
      const job = await summary(spec.id);
      if (!job) throw new StoreRecordMissingError(`job ${spec.id} vanished right after it was created`);
      return { kind: 'created', job };
    },

    async getSpec(jobId) {
      const json = await redis.hget(keys.job(jobId).job, 'spec');
      return json ? deps.sealer.open<JobSpec>(specContext(jobId), json, `the spec of job ${jobId}`) : null;
    },

    getJob: readJob,

    async getPodRefs(jobId, from, count) {
      if (count <= 0) return [];
      const fields = Array.from({ length: count }, (_, i) => `${from + i}:ref`);
      const values = await redis.hmget(keys.job(jobId).pods, ...fields);
      return values.filter((v): v is string => v !== null && v.includes('/')).map(parsePodRef);
    },

    getJobSummary: summary,

    getPods: (jobId, query) => readPodPage(redis, keys.job(jobId), jobId, query),

    listJobs: (query) => listJobs(redis, keys, query),

    async setPods(jobId, pods, atMs) {
      check(await run(S.SET_PODS, jobId, [atMs, ...pods.map(podRefValue)]), `set pods of job ${jobId}`);
    },

    async failJob(jobId, error, atMs) {
      await end(jobId, JobStatus.Failed, error, atMs);
    },

    async getPod(jobId, podIndex): Promise<PodRecord | null> {
      return podRecord(jobId, podIndex, await run(S.READ_POD, jobId, [podIndex]));
    },

    async beginPod(jobId, podIndex, plan, atMs) {
      const reply = await run(S.BEGIN_POD, jobId, [podIndex, ...planArgs(jobId, podIndex, plan, atMs)]);
      if (!Array.isArray(reply) || (reply[0] !== 'planned' && reply[0] !== 'read')) throw new Error(`begin pod ${podIndex} of job ${jobId}: unexpected reply`);
      const record = await podRecord(jobId, podIndex, reply[1]);
      return { record, planned: reply[0] === 'planned' && record !== null };
    },

    async recordPlan(jobId, podIndex, plan, atMs) {
      const reply = await run(S.RECORD_PLAN, jobId, [podIndex, ...planArgs(jobId, podIndex, plan, atMs)]);
      check(Array.isArray(reply) ? reply[0] : reply, `record plan of pod ${podIndex} of job ${jobId}`);
      const stopReason: unknown = Array.isArray(reply) ? reply[1] : null;
      return { stopReason: typeof stopReason === 'string' ? stopReason : null };
    },

    async setPodStatus(jobId, podIndex, status, error) {
      check(await run(S.SET_POD_STATUS, jobId, [podIndex, status, error === null ? '0' : '1', error ?? '']), `set status of pod ${podIndex} of job ${jobId}`);
    },

    async markHooksWaiting(jobId, podIndex, hookIndexes) {
      if (hookIndexes.length === 0) return;
      await run(S.MARK_WAITING, jobId, [podIndex, ...hookIndexes]);
    },

    async markHookRunning(jobId, podIndex, hookIndex, atMs, opts) {
      const claim = opts?.claim;
      const claimArgs = claim ? [claim.holder, Math.max(1000, Math.ceil(claim.forMs))] : [];
      const claimKey = claim ? keys.runningClaim(jobId, podIndex, hookIndex) : undefined;
      // A write sent again finds its own mark (same atMs) and answers 'ok' again; a mark
      // with another time is another worker's, which took the pod over meanwhile.
      const { last: reply } = await hookWrite(
        `running mark of hook ${hookIndex} of pod ${podIndex} of job ${jobId}`,
        async (attempt) => String(await run(S.MARK_RUNNING, jobId, [podIndex, hookIndex, atMs, opts?.showRunning === true ? '1' : '0', attempt > 0 ? '1' : '0', ...claimArgs], claimKey)),
        (r) => r === 'ok',
      );
      if (reply === 'ok') return;
      if (reply === 'missing') throw new StoreRecordMissingError(`hook ${hookIndex} of pod ${podIndex} of job ${jobId} is not recorded (plan it first)`);
      throw new HookNotRunnableError(`hook ${hookIndex} of pod ${podIndex} of job ${jobId} is ${reply}: it must not be run`, reply);
    },

    async unmarkHookRunning(jobId, podIndex, hookIndex, opts) {
      const claimKey = opts?.releaseClaim === true ? keys.runningClaim(jobId, podIndex, hookIndex) : undefined;
      const reply = String(await run(S.UNMARK_RUNNING, jobId, [podIndex, hookIndex], claimKey));
      if (reply === 'missing') throw new StoreRecordMissingError(`hook ${hookIndex} of pod ${podIndex} of job ${jobId} is not recorded`);
    },

    async recordHookResult(jobId, podIndex, hookIndex, result: HookResult, atMs, opts) {
      if (opts?.podStatus !== undefined && opts.onlyIfRunning === true) throw new Error('recordHookResult: podStatus with onlyIfRunning');
      const args = [
        podIndex,
        hookIndex,
        result.phase,
        resultJson(result, atMs),
        opts?.onlyIfRunning === true ? 'if_running' : '',
        opts?.execStartedAtMs === undefined ? '' : String(Math.round(opts.execStartedAtMs)),
        opts?.podStatus ?? '',
      ];
      const claimKey = opts?.releaseClaim === true ? keys.runningClaim(jobId, podIndex, hookIndex) : undefined;
      const { first: reply } = await hookWrite(
        `result of hook ${hookIndex} of pod ${podIndex} of job ${jobId}`,
        async () => String(await run(S.RECORD_RESULT, jobId, args, claimKey)),
        (r) => r === 'ok' || r === 'same',
      );
      if (reply === 'missing') throw new StoreRecordMissingError(`hook ${hookIndex} of pod ${podIndex} of job ${jobId} is not recorded (plan it first)`);
    },

    async cancelJob(jobId, atMs): Promise<CancelResult> {
      const reply = String(await run(S.CANCEL, jobId, [atMs, CANCEL_REASON, settledJson(CANCEL_REASON, atMs)]));
      return reply === 'cancelled' || reply === 'already_cancelled' || reply === 'ended' ? reply : 'not_found';
    },

    async stopReason(jobId) {
      return redis.hget(keys.job(jobId).job, 'stopReason');
    },

    async tripFailFast(jobId, reason) {
      check(await run(S.TRIP, jobId, [reason]), `trip failFast of job ${jobId}`);
    },

    async finishJob(jobId, atMs, opts) {
      const view = await readJob(jobId);
      if (!view) throw new StoreRecordMissingError(`finish job ${jobId}: no such job (unknown or expired)`);
      let status = jobStatusOf({ cancelled: view.status === JobStatus.Cancelled, jobError: view.error, pods: view.pods });
      // Called when every pod has ended; a pod still unfinished here was not processed to its end.
      if (status === JobStatus.Running || status === JobStatus.Queued) status = JobStatus.PartiallyFailed;
      const added = opts?.warnings ?? [];
      // Job warnings are written only at creation and here, by the job's one finalize step.
      return end(jobId, status, null, atMs, added.length > 0 ? [...view.warnings, ...added] : null);
    },

    readEvents: (jobId, afterId, max) => readEvents(redis, keys, jobId, afterId, max),
    readEventKeys: (jobId, afterId, max) => readEventKeys(redis, keys, jobId, afterId, max),
  };
}
