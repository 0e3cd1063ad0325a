// The results store on real Redis: every verb, idempotency, the 10,000-pod path, retention
// TTLs and the event stream. Each test uses its own job ids under this file's prefix.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import type { HookResult, PodRef } from '../../src/domain/types.ts';
import type { JobSpec } from '../../src/domain/views.ts';
import { HookNotRunnableError, createRedisStore } from '../../src/store/redis-store.ts';
import { storeKeys } from '../../src/store/keys.ts';
import { runLua } from '../../src/store/lua.ts';
import { connect, createServer as createNetServer, type AddressInfo } from 'node:net';
import { MARK_RUNNING } from '../../src/store/scripts.ts';
import type { JobStore } from '../../src/store/types.ts';
import { planned, planOf } from '../fixtures/plan.ts';
import { removePrefix, TEST_REDIS_URL, testPrefix, testSealer } from '../helpers/redis.ts';

const prefix = testPrefix();
const RETENTION_MS = 60_000;
let redis: Redis;
let store: JobStore;
let clock = 1_800_000_000_000;

before(async () => {
  redis = new Redis(TEST_REDIS_URL);
  store = createRedisStore({ redis, prefix, retentionMs: RETENTION_MS, now: () => clock, sealer: testSealer() });
});
after(async () => {
  await removePrefix(prefix);
  redis.disconnect();
});

function spec(fields: Partial<JobSpec> = {}): JobSpec {
  return {
    id: `j-${randomUUID()}`,
    restore: null,
    source: { kind: 'pods', pods: [{ namespace: 'db', name: 'pg-0' }, { namespace: 'db', name: 'pg-1' }] },
    hooks: null,
    failFast: false,
    warnings: [],
    createdAtMs: (clock += 1000),
    ...fields,
  };
}

const ok = (stdout = 'done\n'): HookResult => ({ phase: 'succeeded', exitCode: 0, stdout, stderr: '', outputTruncated: false, error: null });
const bad = (code = 3): HookResult => ({ phase: 'failed', exitCode: code, stdout: '', stderr: 'boom', outputTruncated: false, error: `exit code ${code}` });

async function started(s: JobSpec, pods: readonly PodRef[] = s.source.kind === 'pods' ? s.source.pods : []): Promise<void> {
  assert.equal((await store.createJob(s)).kind, 'created');
  await store.setPods(s.id, pods, clock);
}

describe('createJob and getJob', () => {
  test('a new job is queued, with its explicit pods pending', async () => {
    const s = spec({ restore: 'nightly', warnings: ['w1'] });
    const r = await store.createJob(s);
    assert.equal(r.kind, 'created');
    const job = await store.getJob(s.id);
    assert.ok(job);
    assert.equal(job.status, 'queued');
    assert.equal(job.restore, 'nightly');
    assert.deepEqual(job.warnings, ['w1']);
    assert.equal(job.createdAt, new Date(s.createdAtMs).toISOString());
    assert.equal(job.startedAt, null);
    assert.deepEqual(job.pods.map((p) => [p.namespace, p.name, p.status]), [['db', 'pg-0', 'pending'], ['db', 'pg-1', 'pending']]);
    assert.deepEqual(job.summary, { pods: 2, hooksTotal: 0, hooksAttempted: 0, hooksSucceeded: 0, hooksFailed: 0, hooksPending: 0, hooksSkipped: 0 });
    assert.deepEqual(await store.getSpec(s.id), s);
  });

  test('unknown ids read as null', async () => {
    assert.equal(await store.getJob('nope'), null);
    assert.equal(await store.getSpec('nope'), null);
    assert.equal(await store.getPod('nope', 0), null);
  });

  test('the same Idempotency-Key and body returns the first job; another body is a conflict', async () => {
    const key = `key-${randomUUID()}`;
    const first = spec();
    const a = await store.createJob(first, { key, bodyHash: 'h1' });
    assert.equal(a.kind, 'created');
    const b = await store.createJob(spec(), { key, bodyHash: 'h1' });
    assert.equal(b.kind, 'existing');
    assert.equal(b.kind === 'existing' && b.job.id, first.id);
    const c = await store.createJob(spec(), { key, bodyHash: 'h2' });
    assert.deepEqual(c, { kind: 'conflict', jobId: first.id });
    const list = await store.listJobs({ limit: 500 });
    assert.equal(list.jobs.filter((j) => j.id === first.id).length, 1);
  });

  test('a claim whose job is not written yet is in progress, then taken over once stale', async () => {
    const key = `key-${randomUUID()}`;
    const idemKey = storeKeys(prefix).idempotency(key);
    await redis.set(idemKey, `ghost h1 ${clock}`, 'PX', 60_000);
    const r = await store.createJob(spec(), { key, bodyHash: 'h1' });
    assert.deepEqual(r, { kind: 'conflict', jobId: 'ghost', inProgress: true });
    clock += 61_000;
    const s = spec();
    assert.equal((await store.createJob(s, { key, bodyHash: 'h1' })).kind, 'created');
    assert.equal((await redis.get(idemKey))?.split(' ')[0], s.id);
    assert.equal(await redis.pttl(idemKey), -1, 'kept as long as its job');
  });
});

describe('the ledger of a pod', () => {
  test('setPods starts the job once; recordPlan and the hook verbs are idempotent', async () => {
    const s = spec({ source: { kind: 'selector', namespaces: ['db'], labelSelector: 'app=pg' } });
    assert.equal((await store.createJob(s)).kind, 'created');
    const pods = [{ namespace: 'db', name: 'a' }, { namespace: 'db', name: 'b' }];
    await store.setPods(s.id, pods, clock);
    const at = clock;
    clock += 5000;
    await store.setPods(s.id, [{ namespace: 'x', name: 'y' }], clock);
    let job = await store.getJob(s.id);
    assert.equal(job?.status, 'running');
    assert.equal(job?.startedAt, new Date(at).toISOString());
    assert.deepEqual(job?.pods.map((p) => p.name), ['a', 'b']);

    const plan = { ...planOf(planned(0, { container: 'c1' }), planned(1, { container: 'ghost', skipReason: 'container ghost not found' })), warnings: ['careful'] };
    await store.recordPlan(s.id, 0, plan, clock);
    await store.recordPlan(s.id, 0, planOf(planned(0)), clock); // a retried worker: the first plan stays
    let pod = await store.getPod(s.id, 0);
    assert.deepEqual(pod?.plan, plan);
    assert.deepEqual(pod?.hooks, [{ index: 0, phase: 'pending' }, { index: 1, phase: 'skipped' }]);
    assert.equal(pod?.status, 'pending');
    assert.deepEqual(pod?.ref, pods[0]);

    await store.markHooksWaiting(s.id, 0, [0, 1], clock);
    assert.deepEqual((await store.getPod(s.id, 0))?.hooks.map((h) => h.phase), ['waiting', 'skipped']);
    const runAt = (clock += 1000);
    await store.markHookRunning(s.id, 0, 0, runAt);
    await assert.rejects(store.markHookRunning(s.id, 0, 0, clock), HookNotRunnableError, 'never run twice');
    assert.deepEqual((await store.getPod(s.id, 0))?.hooks.map((h) => h.phase), ['running', 'skipped']);
    clock += 250;
    await store.recordHookResult(s.id, 0, 0, ok(), clock);
    await store.recordHookResult(s.id, 0, 0, ok(), clock); // retried: nothing changes
    await store.setPodStatus(s.id, 0, 'succeeded', null, clock);
    await store.setPodStatus(s.id, 1, 'failed', 'pod db/b not found', clock);

    job = await store.getJob(s.id);
    assert.ok(job);
    const [p0, p1] = job.pods;
    assert.deepEqual(p0?.warnings, ['careful']);
    assert.equal(p0?.status, 'succeeded');
    assert.deepEqual(p0?.hooks[0], {
      index: 0, name: 'h0', source: 'spec', container: 'c1', command: ['true'], onError: 'Continue',
      phase: 'succeeded', exitCode: 0, stdout: 'done\n', stderr: '', outputTruncated: false, error: null,
      startedAt: new Date(runAt).toISOString(), finishedAt: new Date(runAt + 250).toISOString(), durationMs: 250,
    });
    assert.equal(p0?.hooks[1]?.phase, 'skipped');
    assert.equal(p0?.hooks[1]?.error, 'container ghost not found');
    assert.equal(p0?.hooks[1]?.startedAt, null);
    assert.equal(p0?.hooks[1]?.durationMs, null);
    assert.equal(p0?.hooks[1]?.exitCode, null);
    assert.deepEqual([p1?.status, p1?.error, p1?.hooks], ['failed', 'pod db/b not found', []]);
    assert.deepEqual(job.summary, { pods: 2, hooksTotal: 2, hooksAttempted: 1, hooksSucceeded: 1, hooksFailed: 0, hooksPending: 0, hooksSkipped: 1 });
    // The counters kept for listJobs agree with the summary computed from the hooks.
    const listed = (await store.listJobs({ limit: 500 })).jobs.find((j) => j.id === s.id);
    assert.deepEqual(listed?.summary, job.summary);

    assert.equal(await store.finishJob(s.id, clock), 'partially_failed');
    assert.equal(await store.finishJob(s.id, clock + 1), 'partially_failed', 'idempotent');
  });

  test('writes to an unknown pod or hook fail loudly', async () => {
    const s = spec();
    await started(s);
    await assert.rejects(store.recordPlan(s.id, 7, planOf(planned(0)), clock), /no such pod/);
    await assert.rejects(store.markHookRunning(s.id, 0, 0, clock), /not recorded/);
    await assert.rejects(store.setPods('nope', [], clock), /no such job/);
  });

  test('a recorded result replaces an earlier one and the counters follow', async () => {
    const s = spec();
    await started(s);
    await store.recordPlan(s.id, 0, planOf(planned(0)), clock);
    await store.markHookRunning(s.id, 0, 0, clock);
    await store.recordHookResult(s.id, 0, 0, bad(), clock);
    await store.recordHookResult(s.id, 0, 0, ok(), clock);
    const job = await store.getJob(s.id);
    assert.equal(job?.summary.hooksFailed, 0);
    assert.equal(job?.summary.hooksSucceeded, 1);
    const listed = (await store.listJobs({ limit: 500 })).jobs.find((j) => j.id === s.id);
    assert.deepEqual(listed?.summary, job?.summary);
  });

  test('beginPod records the plan of a pod that has none with the read of its record, and only reads one that has one or has ended', async () => {
    const s = spec();
    await started(s);
    await store.tripFailFast(s.id, 'stop now');
    const first = await store.beginPod(s.id, 0, planOf(planned(0), planned(1, { skipReason: 'container ghost not found' })), clock);
    assert.equal(first.planned, true);
    // The record as read before the plan's write, with the stop reason read in the same step.
    assert.deepEqual([first.record?.plan, first.record?.hooks, first.record?.status, first.record?.jobStopReason], [null, [], 'pending', 'stop now']);
    const again = await store.beginPod(s.id, 0, planOf(planned(0)), clock);
    assert.equal(again.planned, false, 'a plan is kept');
    assert.equal(again.record?.plan?.hooks.length, 2);
    assert.deepEqual(again.record?.hooks, [{ index: 0, phase: 'pending' }, { index: 1, phase: 'skipped' }]);
    assert.deepEqual(await store.getPod(s.id, 0), again.record);
    const job = await store.getJob(s.id);
    assert.deepEqual([job?.summary.hooksTotal, job?.summary.hooksSkipped], [2, 1]);

    await store.setPodStatus(s.id, 1, 'cancelled', 'stopped', clock);
    const ended = await store.beginPod(s.id, 1, planOf(planned(0)), clock);
    assert.deepEqual([ended.planned, ended.record?.status, ended.record?.plan], [false, 'cancelled', null], 'an ended pod gets no plan');
    assert.deepEqual(await store.beginPod(s.id, 9, planOf(planned(0)), clock), { record: null, planned: false });
    assert.deepEqual(await store.beginPod('nope', 0, planOf(planned(0)), clock), { record: null, planned: false });
  });

  test("the last hook's result can end its pod in the same step, and a replay of it keeps the pod ended", async () => {
    const s = spec();
    await started(s);
    await store.recordPlan(s.id, 0, planOf(planned(0)), clock);
    await store.markHookRunning(s.id, 0, 0, clock);
    await store.recordHookResult(s.id, 0, 0, bad(), clock, { execStartedAtMs: clock, podStatus: 'failed' });
    let pod = (await store.getJob(s.id))?.pods[0];
    assert.deepEqual([pod?.status, pod?.error, pod?.hooks[0]?.phase], ['failed', null, 'failed']);
    // A write sent again ('same') writes the status again; an error written before is gone.
    await store.setPodStatus(s.id, 0, 'running', 'stale', clock);
    await store.recordHookResult(s.id, 0, 0, bad(), clock, { execStartedAtMs: clock, podStatus: 'failed' });
    pod = (await store.getJob(s.id))?.pods[0];
    assert.deepEqual([pod?.status, pod?.error], ['failed', null]);
    assert.equal((await store.getJob(s.id))?.summary.hooksFailed, 1, 'counted once');
    await assert.rejects(store.recordHookResult(s.id, 0, 0, bad(), clock, { onlyIfRunning: true, podStatus: 'failed' }), /podStatus with onlyIfRunning/);
  });
});

describe('ending a job', () => {
  test('finishJob computes the status, emits done, and starts every key’s retention', async () => {
    const key = `key-${randomUUID()}`;
    const s = spec();
    await store.createJob(s, { key, bodyHash: 'h' });
    await store.setPods(s.id, s.source.kind === 'pods' ? s.source.pods : [], clock);
    for (const i of [0, 1]) {
      await store.recordPlan(s.id, i, planOf(planned(0)), clock);
      await store.markHookRunning(s.id, i, 0, clock);
      await store.recordHookResult(s.id, i, 0, ok(), clock);
      await store.setPodStatus(s.id, i, 'succeeded', null, clock);
    }
    const k = storeKeys(prefix);
    assert.equal(await redis.pttl(k.job(s.id).job), -1, 'no TTL while the job runs');
    const finishedAt = (clock += 10);
    assert.equal(await store.finishJob(s.id, finishedAt), 'completed');
    for (const key2 of [...k.jobKeyList(s.id), k.idempotency(key)]) {
      const ttl = await redis.pttl(key2);
      assert.ok(ttl > RETENTION_MS - 5000 && ttl <= RETENTION_MS, `${key2} has the retention TTL (${ttl})`);
    }
    const job = await store.getJob(s.id);
    assert.equal(job?.finishedAt, new Date(finishedAt).toISOString());
    const events = await store.readEvents(s.id, null, 100);
    const done = events.at(-1);
    assert.deepEqual(done?.event, 'done');
    assert.deepEqual(done?.data, { status: 'completed', summary: job?.summary });
    // A late write keeps the retention instead of leaving keys behind for ever.
    await store.setPodStatus(s.id, 0, 'succeeded', null, clock);
    assert.ok((await redis.pttl(k.job(s.id).pods)) > 0);
  });

  test('failJob ends the job failed with its error; finishJob afterwards keeps it', async () => {
    const s = spec({ source: { kind: 'selector', namespaces: ['nope'], labelSelector: '' } });
    await store.createJob(s);
    await store.failJob(s.id, 'pods could not be listed: forbidden', clock);
    assert.equal(await store.finishJob(s.id, clock), 'failed');
    const job = await store.getJob(s.id);
    assert.equal(job?.status, 'failed');
    assert.equal(job?.error, 'pods could not be listed: forbidden');
    assert.ok(job?.finishedAt);
  });

  test('cancelJob skips hooks not started, keeps a running one, and is 409-worthy once ended', async () => {
    const s = spec();
    await started(s);
    await store.recordPlan(s.id, 0, planOf(planned(0), planned(1), planned(2)), clock);
    await store.markHookRunning(s.id, 0, 0, clock);
    await store.markHooksWaiting(s.id, 0, [1], clock);
    assert.equal(await store.stopReason(s.id), null);
    assert.equal(await store.cancelJob(s.id, clock), 'cancelled');
    assert.equal(await store.cancelJob(s.id, clock), 'already_cancelled', 'its running exec has not ended');
    assert.equal(await store.cancelJob('nope', clock), 'not_found');
    assert.match((await store.stopReason(s.id)) ?? '', /cancelled/);
    let job = await store.getJob(s.id);
    assert.equal(job?.status, 'cancelled');
    assert.deepEqual(job?.pods[0]?.hooks.map((h) => h.phase), ['running', 'skipped', 'skipped']);
    assert.equal(job?.pods[1]?.status, 'pending', 'a pod not begun is left to its worker (it lists its hooks as skipped)');
    await assert.rejects(store.markHookRunning(s.id, 0, 1, clock), (e: unknown) => e instanceof HookNotRunnableError && e.phase === 'skipped');
    await store.recordHookResult(s.id, 0, 0, ok(), clock);
    await store.setPodStatus(s.id, 0, 'succeeded', null, clock);
    assert.equal(await store.finishJob(s.id, clock), 'cancelled');
    assert.equal(await store.cancelJob(s.id, clock), 'ended');
    job = await store.getJob(s.id);
    assert.deepEqual(job?.summary, { pods: 2, hooksTotal: 3, hooksAttempted: 1, hooksSucceeded: 1, hooksFailed: 0, hooksPending: 0, hooksSkipped: 2 });
  });

  test('tripFailFast records the first reason only', async () => {
    const s = spec();
    await started(s);
    await store.tripFailFast(s.id, 'failFast: pod db/pg-0 had a failed hook');
    await store.tripFailFast(s.id, 'second');
    assert.equal(await store.stopReason(s.id), 'failFast: pod db/pg-0 had a failed hook');
  });

  test('no hook starts once the job has a stop reason, whatever a worker last read', async () => {
    const s = spec();
    await started(s);
    await store.recordPlan(s.id, 0, planOf(planned(0)), clock);
    await store.tripFailFast(s.id, 'failFast: pod db/pg-0 had a failed hook');
    await assert.rejects(store.markHookRunning(s.id, 0, 0, clock), (e: unknown) => e instanceof HookNotRunnableError && e.phase === 'stopped');
    const job = await store.getJob(s.id);
    assert.equal(job?.pods[0]?.hooks[0]?.phase, 'pending', 'refused, not changed: the worker settles it');
    assert.equal(job?.summary.hooksAttempted, 0);
  });
});

describe('listJobs', () => {
  test('newest first, filtered, paged with a cursor that ends in null', async () => {
    const restore = `r-${randomUUID()}`;
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      const s = spec({ restore, createdAtMs: i < 4 ? clock : (clock += 1) }); // ties on createdAtMs too
      ids.push(s.id);
      await store.createJob(s);
      if (i % 2 === 0) await store.setPods(s.id, [], clock);
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await store.listJobs({ restore, limit: 3, ...(cursor ? { cursor } : {}) });
      seen.push(...page.jobs.map((j) => j.id));
      cursor = page.nextCursor ?? undefined;
      pages++;
    } while (cursor);
    assert.equal(pages, 3);
    assert.equal(seen.length, 7);
    assert.equal(new Set(seen).size, 7);
    const created = await Promise.all(seen.map(async (id) => (await store.getJob(id))?.createdAt ?? ''));
    assert.deepEqual(created, [...created].sort().reverse(), 'newest first');
    const running = await store.listJobs({ restore, status: 'running', limit: 50 });
    assert.equal(running.jobs.length, 4);
    assert.equal(running.nextCursor, null);
    assert.ok(running.jobs.every((j) => j.status === 'running'));
    const exact = await store.listJobs({ restore, limit: 7 });
    assert.equal(exact.nextCursor, null, 'no cursor when the page holds the last job');
  });

  test('expired jobs drop out of the index', async () => {
    const restore = `r-${randomUUID()}`;
    const s = spec({ restore });
    await store.createJob(s);
    await redis.del(...storeKeys(prefix).jobKeyList(s.id));
    assert.deepEqual((await store.listJobs({ restore, limit: 10 })).jobs, []);
    assert.equal(await redis.zscore(storeKeys(prefix).index, s.id), null);
  });

  test('a cursor that this server did not make is rejected', async () => {
    await assert.rejects(store.listJobs({ limit: 5, cursor: 'garbage' }), { code: 'CURSOR_INVALID' });
  });
});

describe('summary counters after a lost write', () => {
  test('an exec result on a hook whose running mark was lost (a failover) counts it attempted, once; a settled hook does not', async () => {
    const s = spec();
    await started(s);
    await store.recordPlan(s.id, 0, planOf(planned(0), planned(1)), clock);
    await store.recordPlan(s.id, 1, planOf(planned(0)), clock);
    const hooksKey = storeKeys(prefix).job(s.id).hooks;
    const jobKey = storeKeys(prefix).job(s.id).job;
    await store.markHooksWaiting(s.id, 0, [0, 1], clock);
    const before = await redis.hgetall(hooksKey);
    const counters = await redis.hmget(jobKey, 'n:attempted');
    await store.markHookRunning(s.id, 0, 0, clock);
    // What a replica promoted before the mark reached it holds: the hook waiting, nothing attempted.
    await redis.hset(hooksKey, '0:0', before['0:0'] ?? '');
    await redis.hset(jobKey, 'n:attempted', counters[0] ?? '0');
    await store.recordHookResult(s.id, 0, 0, ok(), clock, { execStartedAtMs: clock - 100 });
    await store.recordHookResult(s.id, 0, 0, ok(), clock, { execStartedAtMs: clock - 100 }); // replayed: counted once
    // Settled without an exec: never attempted.
    await store.recordHookResult(s.id, 0, 1, { phase: 'failed', exitCode: null, stdout: '', stderr: '', outputTruncated: false, error: 'expired before executing' }, clock);
    // The normal path: marked, then its result.
    await store.markHookRunning(s.id, 1, 0, clock);
    await store.recordHookResult(s.id, 1, 0, bad(), clock, { execStartedAtMs: clock - 100 });
    const job = await store.getJob(s.id);
    const listed = (await store.listJobs({ limit: 500 })).jobs.find((j) => j.id === s.id);
    assert.deepEqual(listed?.summary, job?.summary, 'the counters agree with the phases');
    assert.equal(listed?.summary.hooksAttempted, 2);
    assert.equal(listed?.summary.hooksSucceeded, 1);
    assert.equal(listed?.summary.hooksFailed, 2);
  });
});

describe('reading a pod', () => {
  test('one read brings the pod, its plan, its hooks and the job’s stop reason', async () => {
    const s = spec();
    await started(s);
    assert.equal((await store.getPod(s.id, 1))?.plan, null);
    assert.equal((await store.getPod(s.id, 1))?.jobStopReason, null);
    await store.recordPlan(s.id, 0, planOf(planned(0), planned(1), planned(2)), clock);
    await store.markHookRunning(s.id, 0, 1, clock);
    await store.recordHookResult(s.id, 0, 1, ok(), clock, { execStartedAtMs: clock });
    await store.markHooksWaiting(s.id, 0, [2], clock);
    let pod = await store.getPod(s.id, 0);
    assert.deepEqual(pod?.hooks, [{ index: 0, phase: 'pending' }, { index: 1, phase: 'succeeded' }, { index: 2, phase: 'waiting' }]);
    await store.tripFailFast(s.id, 'failFast: stop');
    pod = await store.getPod(s.id, 0);
    assert.equal(pod?.jobStopReason, 'failFast: stop');
    assert.equal(await store.getPod(s.id, 7), null, 'no such pod');
  });

  test('a plan whose hooks are not numbered 0..n-1 is read hook by hook', async () => {
    const s = spec();
    await started(s);
    await store.recordPlan(s.id, 0, planOf(planned(3), planned(5)), clock);
    await store.markHookRunning(s.id, 0, 5, clock);
    assert.deepEqual((await store.getPod(s.id, 0))?.hooks, [{ index: 3, phase: 'pending' }, { index: 5, phase: 'running' }]);
  });
});

describe('running claims move with the hook writes', () => {
  const claimOf = async (jobId: string, hook: number): Promise<[string | null, number]> => {
    const key = storeKeys(prefix).runningClaim(jobId, 0, hook);
    return [await redis.get(key), await redis.pttl(key)];
  };

  test('the mark writes the claim and shows the pod running; the result removes the claim', async () => {
    const s = spec();
    await started(s);
    await store.recordPlan(s.id, 0, planOf(planned(0), planned(1)), clock);
    await store.markHookRunning(s.id, 0, 0, clock, { claim: { holder: 'w-a', forMs: 90_000 }, showRunning: true });
    const [holder, ttl] = await claimOf(s.id, 0);
    assert.equal(holder, 'w-a');
    assert.ok(ttl > 80_000 && ttl <= 90_000, `claim ttl ${ttl}`);
    assert.equal((await store.getPod(s.id, 0))?.status, 'running');
    assert.equal((await store.getPod(s.id, 1))?.status, 'pending', 'only the pod named');

    await store.recordHookResult(s.id, 0, 0, ok(), clock, { execStartedAtMs: clock, releaseClaim: true });
    assert.deepEqual(await claimOf(s.id, 0), [null, -2]);

    // A hook handed back before its exec started: mark and claim go together.
    await store.markHookRunning(s.id, 0, 1, clock, { claim: { holder: 'w-a', forMs: 90_000 } });
    await store.unmarkHookRunning(s.id, 0, 1, { releaseClaim: true });
    assert.deepEqual(await claimOf(s.id, 1), [null, -2]);
    assert.equal((await store.getPod(s.id, 0))?.hooks[1]?.phase, 'pending');
  });

  test('a refused mark writes no claim and leaves the runner’s claim alone', async () => {
    const s = spec();
    await started(s);
    await store.recordPlan(s.id, 0, planOf(planned(0), planned(1)), clock);
    await store.markHookRunning(s.id, 0, 0, clock, { claim: { holder: 'w-runner', forMs: 60_000 } });
    // Another worker (the pod taken over), even in the same millisecond: refused, claim untouched.
    await assert.rejects(
      store.markHookRunning(s.id, 0, 0, clock, { claim: { holder: 'w-other', forMs: 60_000 }, showRunning: true }),
      (e: unknown) => e instanceof HookNotRunnableError && e.phase === 'running',
    );
    assert.equal((await claimOf(s.id, 0))[0], 'w-runner');
    assert.equal((await store.getPod(s.id, 0))?.status, 'pending', 'a refused mark shows nothing');

    await store.tripFailFast(s.id, 'failFast: stop');
    await assert.rejects(store.markHookRunning(s.id, 0, 1, clock, { claim: { holder: 'w-a', forMs: 60_000 } }), HookNotRunnableError);
    assert.deepEqual(await claimOf(s.id, 1), [null, -2]);
  });
});

describe('a mark sent again in the same millisecond as another worker’s', () => {
  test('finds that worker’s mark and claim, and is refused: one exec, its claim kept', async () => {
    const s = spec();
    await started(s);
    await store.recordPlan(s.id, 0, planOf(planned(0)), clock);
    const k = storeKeys(prefix);
    const claimKey = k.runningClaim(s.id, 0, 0);
    const mark = (attempt: '0' | '1', holder: string): Promise<unknown> =>
      runLua(redis, MARK_RUNNING, [...k.jobKeyList(s.id), claimKey], [k.eventsChannel, s.id, 0, 0, clock, '0', attempt, holder, 60_000]);
    // Worker A's first mark was lost in a failover (never applied here); worker B, which took
    // the pod over, marks it in the same millisecond; then A's confirmation retry arrives.
    assert.equal(await mark('0', 'w-b'), 'ok');
    assert.equal(await mark('1', 'w-a'), 'running', 'the retry must not take B’s mark for its own');
    assert.equal(await redis.get(claimKey), 'w-b');
    assert.equal((await store.getPod(s.id, 0))?.hooks[0]?.phase, 'running');
  });
});

describe('a first mark the client sent again after a reconnect', () => {
  test('finds its own mark and claim and answers ok, counted once: the hook is not left running with no one to run it', async () => {
    const s = spec();
    await started(s);
    await store.recordPlan(s.id, 0, planOf(planned(0)), clock);
    const k = storeKeys(prefix);
    const claimKey = k.runningClaim(s.id, 0, 0);
    const mark = (holder: string): Promise<unknown> =>
      runLua(redis, MARK_RUNNING, [...k.jobKeyList(s.id), claimKey], [k.eventsChannel, s.id, 0, 0, clock, '1', '0', holder, 60_000]);
    // ioredis re-sends a command whose reply a dropped connection lost (a failover forces
    // one): the same first call (attempt 0) arrives twice; the first one ran.
    assert.equal(await mark('w-a#1'), 'ok');
    assert.equal(await mark('w-a#1'), 'ok', 'the re-sent mark is this run’s own: refusing it leaves the hook running, never run');
    assert.equal(await redis.hget(k.job(s.id).job, 'n:attempted'), '1');
    // Another run of the same worker process (the pod taken over within it) in the same millisecond is not.
    assert.equal(await mark('w-a#2'), 'running');
    assert.equal(await redis.get(claimKey), 'w-a#1');
  });
});

describe('a running mark whose reply a dropped connection lost', () => {
  test('re-sent by the client as it was, finds the mark it made: the exec goes ahead', async () => {
    // A proxy in front of Redis that, once armed, lets the next command through and drops the
    // connection instead of passing its reply on (a failover or a network cut at that moment).
    const url = new URL(TEST_REDIS_URL);
    let armed = false;
    const proxy = createNetServer((client) => {
      const upstream = connect(Number(url.port || 6379), url.hostname);
      client.on('data', (d) => upstream.write(d));
      upstream.on('data', (d) => {
        if (armed) {
          armed = false;
          client.destroy();
          upstream.destroy();
          return;
        }
        client.write(d);
      });
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
      client.on('error', () => undefined);
      upstream.on('error', () => undefined);
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    // As the worker's durable connection: commands wait and are re-sent across a reconnect.
    const cut = new Redis({ host: '127.0.0.1', port: (proxy.address() as AddressInfo).port, maxRetriesPerRequest: null, retryStrategy: () => 20, enableAutoPipelining: true });
    const viaCut = createRedisStore({ redis: cut, prefix, retentionMs: RETENTION_MS, now: () => clock, sealer: testSealer() });
    try {
      const s = spec();
      await started(s);
      await store.recordPlan(s.id, 0, planOf(planned(0)), clock);
      await cut.ping();
      armed = true;
      await viaCut.markHookRunning(s.id, 0, 0, clock, { claim: { holder: 'w-a#1', forMs: 60_000 }, showRunning: true });
      assert.equal(armed, false, 'the reply was dropped');
      assert.equal((await store.getPod(s.id, 0))?.hooks[0]?.phase, 'running');
      assert.equal(await redis.hget(storeKeys(prefix).job(s.id).job, 'n:attempted'), '1');
    } finally {
      cut.disconnect();
      await new Promise((r) => proxy.close(r));
    }
  });
});

describe('hook writes a replica must confirm', () => {
  test('with no replica confirming, each write is sent again: the hook runs, ends and is counted once', async () => {
    const unconfirmed: string[] = [];
    // pauseMs 0: every write goes through the whole retry window.
    const acked = createRedisStore({
      redis,
      prefix,
      retentionMs: RETENTION_MS,
      now: () => clock,
      sealer: testSealer(),
      replicaAcks: { acks: { replicas: 1, waitMs: 10, retryForMs: 100, pauseMs: 0 }, onUnconfirmed: (what) => unconfirmed.push(what) },
    });
    const s = spec();
    assert.equal((await acked.createJob(s)).kind, 'created');
    await acked.setPods(s.id, s.source.kind === 'pods' ? s.source.pods : [], clock);
    await acked.recordPlan(s.id, 0, planOf(planned(0), planned(1)), clock);
    await acked.markHookRunning(s.id, 0, 0, clock, { claim: { holder: 'w-acked', forMs: 60_000 } }); // its retries find the mark it made
    // A write sent again that finds its own mark writes the claim again (a failover may have
    // kept the mark and lost the claim), and counts nothing twice.
    const claimKey = storeKeys(prefix).runningClaim(s.id, 0, 0);
    assert.equal(await redis.get(claimKey), 'w-acked');
    await redis.del(claimKey);
    const again = await runLua(redis, MARK_RUNNING, [...storeKeys(prefix).jobKeyList(s.id), claimKey], [storeKeys(prefix).eventsChannel, s.id, 0, 0, clock, '0', '1', 'w-acked', 60_000]);
    assert.equal(again, 'ok');
    assert.equal(await redis.get(claimKey), 'w-acked');
    await acked.recordHookResult(s.id, 0, 0, ok(), clock, { execStartedAtMs: clock - 5 });
    await acked.markHookRunning(s.id, 0, 1, clock);
    await acked.recordHookResult(s.id, 0, 1, bad(), clock, { execStartedAtMs: clock - 5 });
    assert.deepEqual(unconfirmed, [
      `running mark of hook 0 of pod 0 of job ${s.id}`,
      `result of hook 0 of pod 0 of job ${s.id}`,
      `running mark of hook 1 of pod 0 of job ${s.id}`,
      `result of hook 1 of pod 0 of job ${s.id}`,
    ]);
    // A hook that has ended is not marked again: the refusal is not confirmed or retried.
    await assert.rejects(acked.markHookRunning(s.id, 0, 0, clock), HookNotRunnableError);
    assert.equal(unconfirmed.length, 4);
    const job = await acked.getJob(s.id);
    const listed = (await acked.listJobs({ limit: 500 })).jobs.find((j) => j.id === s.id);
    assert.deepEqual(listed?.summary, job?.summary, 'the counters agree with the phases');
    assert.deepEqual(
      job?.pods[0]?.hooks.map((h) => [h.phase, h.exitCode]),
      [['succeeded', 0], ['failed', 3]],
    );
    assert.equal(job?.summary.hooksAttempted, 2);
  });
});
