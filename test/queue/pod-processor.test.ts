// The pod processor with hand-written fakes of the waiter and the executor, on the real
// results store: races with the outside world that the sim cannot time precisely.

import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { Redis } from 'ioredis';
import { planPodHooks } from '../../src/domain/plan.ts';
import type { PodState, PodView, RestoreHooks } from '../../src/domain/types.ts';
import type { JobSpec } from '../../src/domain/views.ts';
import { createLogger } from '../../src/log.ts';
import type { ExecOutcome, Executor, PodWaiter } from '../../src/queue/ports.ts';
import { processPod } from '../../src/queue/pod-processor.ts';
import { createSemaphore } from '../../src/queue/semaphore.ts';
import { createSpecCache } from '../../src/queue/spec-cache.ts';
import { createWakeRegistry } from '../../src/queue/wake-registry.ts';
import { createRedisStore } from '../../src/store/redis-store.ts';
import { logSink } from '../helpers/log-sink.ts';
import { removePrefix, TEST_REDIS_URL, testPrefix, testSealer } from '../helpers/redis.ts';

const prefix = testPrefix();
const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 2 });
const store = createRedisStore({ redis, prefix, retentionMs: 60_000, sealer: testSealer() });
after(async () => {
  await removePrefix(prefix);
  await redis.quit();
});

const running: PodView = {
  namespace: 'ns',
  name: 'p',
  uid: 'u',
  labels: {},
  annotations: { 'post.hook.restore.velero.io/command': '["true"]' },
  containers: ['c'],
  phase: 'Running',
  containerStatuses: [{ name: 'c', running: true, terminated: false, ready: true }],
  terminating: false,
};

function deps(waiter: PodWaiter, executor: Executor) {
  return {
    store,
    specs: createSpecCache((id) => store.getSpec(id)),
    waiter,
    executor,
    execSlots: createSemaphore(1),
    wakes: createWakeRegistry(),
    publishStop: async () => {},
    clock: Date.now,
    log: createLogger('debug', logSink().stream),
    maxWaitMs: 60_000,
    maxOutputBytes: 1024,
  };
}

async function newJob(id: string): Promise<void> {
  const spec: JobSpec = {
    id,
    restore: null,
    source: { kind: 'pods', pods: [{ namespace: 'ns', name: 'p' }] },
    hooks: null,
    failFast: false,
    warnings: [],
    createdAtMs: Date.now(),
  };
  await store.createJob(spec);
  await store.setPods(id, [{ namespace: 'ns', name: 'p' }], Date.now());
}

const signals = { shutdown: new AbortController().signal, hardStop: new AbortController().signal };

test('a hook that the store ended between planning and exec (a racing DELETE) is not executed', async () => {
  const id = 'jrace1';
  await newJob(id);
  await store.recordPlan(id, 0, planPodHooks(running, null), Date.now());
  let execs = 0;
  const waiter: PodWaiter = {
    async get(): Promise<PodState> {
      // The cancel lands after the processor read its ledger, before it marks the hook running.
      await store.recordHookResult(id, 0, 0, { phase: 'skipped', exitCode: null, stdout: '', stderr: '', outputTruncated: false, error: 'job cancelled' }, Date.now());
      return { kind: 'present', pod: running };
    },
    waitFor: () => Promise.reject(new Error('no wait expected')),
  };
  const executor: Executor = {
    async exec(): Promise<ExecOutcome> {
      execs++;
      return { kind: 'exited', exitCode: 0, stdout: '', stderr: '', truncated: false };
    },
  };
  assert.equal(await processPod({ jobId: id, podIndex: 0, ref: { namespace: 'ns', name: 'p' } }, deps(waiter, executor), signals), 'done');
  assert.equal(execs, 0);
  const job = await store.getJob(id);
  assert.equal(job?.pods[0]?.hooks[0]?.phase, 'skipped');
});

test('a shutdown during a wait hands the pod back (interrupted) and leaves its hooks waiting', async () => {
  const id = 'jshut1';
  await newJob(id);
  const pending: PodView = { ...running, phase: 'Pending', containerStatuses: [] };
  const shutdown = new AbortController();
  const waiter: PodWaiter = {
    get: async () => ({ kind: 'present', pod: pending }),
    waitFor: (_ref, _until, _deadline, signal) =>
      new Promise((_, reject) => {
        signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
        setImmediate(() => shutdown.abort(new Error('shutting down')));
      }),
  };
  const executor: Executor = { exec: () => Promise.reject(new Error('no exec expected')) };
  const result = await processPod({ jobId: id, podIndex: 0, ref: { namespace: 'ns', name: 'p' } }, deps(waiter, executor), {
    shutdown: shutdown.signal,
    hardStop: new AbortController().signal,
  });
  assert.equal(result, 'interrupted');
  const job = await store.getJob(id);
  assert.equal(job?.pods[0]?.hooks[0]?.phase, 'waiting');
  assert.equal(job?.pods[0]?.status, 'waiting');
});

test("a pod whose job owner may no longer exec into it: its hooks are skipped with the reason, nothing runs, the audit says so", async () => {
  const id = 'jauthz1';
  const owner = { kind: 'user' as const, name: 'system:serviceaccount:team-a:alice', uid: 'u1', groups: ['system:authenticated'] };
  await store.createJob({ id, restore: null, source: { kind: 'pods', pods: [{ namespace: 'ns', name: 'p' }] }, hooks: null, failFast: false, warnings: [], createdAtMs: Date.now(), owner, sourceIP: '10.0.0.7' });
  await store.setPods(id, [{ namespace: 'ns', name: 'p' }], Date.now());
  const asked: unknown[] = [];
  const audit: Array<Record<string, unknown>> = [];
  const executor: Executor = { exec: () => Promise.reject(new Error('no exec expected')) };
  const waiter: PodWaiter = { get: async () => ({ kind: 'present', pod: running }), waitFor: () => Promise.reject(new Error('no wait expected')) };
  const d = {
    ...deps(waiter, executor),
    authorizer: {
      async mayExec(o: unknown, ref: unknown) {
        asked.push({ o, ref });
        return 'forbidden: system:serviceaccount:team-a:alice may not create pods/exec in ns';
      },
    },
    audit: { write: (r: Record<string, unknown>) => void audit.push(r) },
  };
  assert.equal(await processPod({ jobId: id, podIndex: 0, ref: { namespace: 'ns', name: 'p' } }, d, signals), 'done');
  assert.deepEqual(asked, [{ o: owner, ref: { namespace: 'ns', name: 'p' } }], 'asked once, for the owner recorded with the job');
  const job = await store.getJob(id);
  assert.equal(job?.pods[0]?.hooks[0]?.phase, 'skipped');
  assert.equal(job?.pods[0]?.hooks[0]?.error, 'forbidden: system:serviceaccount:team-a:alice may not create pods/exec in ns');
  assert.equal(job?.pods[0]?.status, 'cancelled');
  assert.deepEqual(audit.map((r) => [r['event'], r['user'], r['sourceIP'], r['pod'], r['command']]), [['access.denied', owner.name, '10.0.0.7', 'p', ['true']]]);
});

test('an allowed pod: asked once before its first exec; the audit has the exec started and ended with the whole command', async () => {
  const id = 'jauthz2';
  const owner = { kind: 'token' as const, name: 'ci', namespaces: ['ns'], rights: ['submit' as const] };
  await store.createJob({ id, restore: null, source: { kind: 'pods', pods: [{ namespace: 'ns', name: 'p' }] }, hooks: null, failFast: false, warnings: [], createdAtMs: Date.now(), owner, sourceIP: null });
  await store.setPods(id, [{ namespace: 'ns', name: 'p' }], Date.now());
  let asked = 0;
  const audit: Array<Record<string, unknown>> = [];
  const executor: Executor = { exec: async () => ({ kind: 'exited', exitCode: 0, stdout: 'secret output', stderr: '', truncated: false }) };
  const waiter: PodWaiter = { get: async () => ({ kind: 'present', pod: running }), waitFor: () => Promise.reject(new Error('no wait expected')) };
  const d = { ...deps(waiter, executor), authorizer: { mayExec: async () => (asked++, null) }, audit: { write: (r: Record<string, unknown>) => void audit.push(r) } };
  assert.equal(await processPod({ jobId: id, podIndex: 0, ref: { namespace: 'ns', name: 'p' } }, d, signals), 'done');
  assert.equal(asked, 1);
  assert.deepEqual(audit.map((r) => [r['event'], r['user'], r['command'], r['phase'] ?? null, r['exitCode'] ?? null]), [
    ['hook.exec.started', 'ci', ['true'], null, null],
    ['hook.exec.ended', 'ci', ['true'], 'succeeded', 0],
  ]);
  assert.ok(!JSON.stringify(audit).includes('secret output'), 'never output');
});

test('a stop announced after the stop reason was read, before the pod parks: the pod does not park, its hooks are skipped', async () => {
  const id = 'jparkstop1';
  await newJob(id);
  const pending: PodView = { ...running, phase: 'Pending', containerStatuses: [] };
  const waiter: PodWaiter = {
    get: async () => ({ kind: 'present', pod: pending }),
    waitFor: () => Promise.reject(new Error('no wait expected: the pod parks or ends')),
  };
  const executor: Executor = { exec: () => Promise.reject(new Error('no exec expected')) };
  const d = deps(waiter, executor);
  // The failFast lands (and is announced) right after the processor read the stop reason
  // with its plan, while it marks the hooks waiting.
  const racing = {
    ...d,
    store: {
      ...store,
      markHooksWaiting: async (...args: Parameters<typeof store.markHooksWaiting>) => {
        await store.markHooksWaiting(...args);
        await store.tripFailFast(id, 'failFast: another pod failed');
        d.wakes.wake(id);
      },
    },
    parking: { takeWoken: () => null },
  };
  const result = await processPod({ jobId: id, podIndex: 0, ref: { namespace: 'ns', name: 'p' } }, racing, signals);
  assert.equal(result, 'done', 'parked although its job had stopped: only the periodic recheck would wake it');
  const job = await store.getJob(id);
  assert.equal(job?.pods[0]?.hooks[0]?.phase, 'skipped');
});

test("a pod's end is written with its last hook's result, not in a write of its own, unless a skipped hook leaves it to the end", async () => {
  const counted = (id: string) => {
    const writes: string[] = [];
    const counting = {
      ...store,
      setPodStatus: (...a: Parameters<typeof store.setPodStatus>) => (writes.push(`status ${a[2]}`), store.setPodStatus(...a)),
      recordHookResult: (...a: Parameters<typeof store.recordHookResult>) => (writes.push(`result ${a[2]}${a[5]?.podStatus ? ` + pod ${a[5].podStatus}` : ''}`), store.recordHookResult(...a)),
    };
    return { writes, id, counting };
  };
  const twoHooks: PodView = {
    ...running,
    annotations: {},
    containers: ['c'],
  };
  const hooks = (onError: 'Continue' | 'Fail', containers: readonly string[]): RestoreHooks => ({
    resources: [{ name: 'r', postHooks: containers.map((container) => ({ exec: { container, command: ['true'], onError } })) }],
  });
  for (const c of [
    { id: 'jend1', spec: hooks('Continue', ['c', 'c']), exits: [1, 0], writes: ['result 0', 'result 1 + pod failed'], status: 'failed' },
    { id: 'jend2', spec: hooks('Continue', ['c']), exits: [0], writes: ['result 0 + pod succeeded'], status: 'succeeded' },
    // The second hook is skipped (its container is missing, settled before the first runs): the end writes the status.
    { id: 'jend3', spec: hooks('Continue', ['c', 'ghost']), exits: [0], writes: ['result 1', 'result 0', 'status succeeded'], status: 'succeeded' },
  ]) {
    const { writes, counting } = counted(c.id);
    await store.createJob({ id: c.id, restore: null, source: { kind: 'pods', pods: [{ namespace: 'ns', name: 'p' }] }, hooks: c.spec, failFast: false, warnings: [], createdAtMs: Date.now() });
    await store.setPods(c.id, [{ namespace: 'ns', name: 'p' }], Date.now());
    const exits = [...c.exits];
    const executor: Executor = { exec: async () => ({ kind: 'exited', exitCode: exits.shift() ?? 99, stdout: '', stderr: '', truncated: false }) };
    const waiter: PodWaiter = { get: async () => ({ kind: 'present', pod: twoHooks }), waitFor: () => Promise.reject(new Error('no wait expected')) };
    assert.equal(await processPod({ jobId: c.id, podIndex: 0, ref: { namespace: 'ns', name: 'p' } }, { ...deps(waiter, executor), store: counting }, signals), 'done');
    assert.deepEqual(writes.filter((w) => !w.startsWith('status running')), c.writes, c.id);
    assert.equal((await store.getJob(c.id))?.pods[0]?.status, c.status, c.id);
  }
});

test('a pod whose live state the watch has shown starts with one store step that reads its record and records its plan; a second run only reads', async () => {
  const id = 'jbegin1';
  await newJob(id);
  const calls: string[] = [];
  const counting = {
    ...store,
    getPod: (...a: Parameters<typeof store.getPod>) => (calls.push('getPod'), store.getPod(...a)),
    beginPod: (...a: Parameters<typeof store.beginPod>) => (calls.push('beginPod'), store.beginPod(...a)),
    recordPlan: (...a: Parameters<typeof store.recordPlan>) => (calls.push('recordPlan'), store.recordPlan(...a)),
  };
  let gets = 0;
  const executor: Executor = { exec: async () => ({ kind: 'exited', exitCode: 0, stdout: '', stderr: '', truncated: false }) };
  const waiter: PodWaiter = { get: async () => (gets++, { kind: 'present', pod: running }), waitFor: () => Promise.reject(new Error('no wait expected')) };
  const track = { latest: (): PodState => ({ kind: 'present', pod: running }), release: () => {} };
  const task = { jobId: id, podIndex: 0, ref: { namespace: 'ns', name: 'p' } };
  assert.equal(await processPod(task, { ...deps(waiter, executor), store: counting }, signals, track), 'done');
  assert.deepEqual([calls, gets], [['beginPod'], 0]);
  assert.equal((await store.getJob(id))?.pods[0]?.status, 'succeeded');
  // Run again (a retried queue job): the record says the pod is done, nothing more is written.
  calls.length = 0;
  assert.equal(await processPod(task, { ...deps(waiter, executor), store: counting }, signals, track), 'done');
  assert.deepEqual(calls, ['beginPod']);
  assert.equal((await store.getJob(id))?.summary.hooksSucceeded, 1);
});

test('failFast trips when the run that failed the pod dies right after its last result is written, and when it dies after the pod is ended', async () => {
  const failing: RestoreHooks = { resources: [{ name: 'r', postHooks: [{ exec: { container: 'c', command: ['false'], onError: 'Continue' } }] }] };
  const executor: Executor = { exec: async () => ({ kind: 'exited', exitCode: 1, stdout: '', stderr: '', truncated: false }) };
  const waiter: PodWaiter = { get: async () => ({ kind: 'present', pod: { ...running, annotations: {} } }), waitFor: () => Promise.reject(new Error('no wait expected')) };
  const task = (id: string) => ({ jobId: id, podIndex: 0, ref: { namespace: 'ns', name: 'p' } });
  const job = async (id: string) => {
    await store.createJob({ id, restore: null, source: { kind: 'pods', pods: [{ namespace: 'ns', name: 'p' }] }, hooks: failing, failFast: true, warnings: [], createdAtMs: Date.now() });
    await store.setPods(id, [{ namespace: 'ns', name: 'p' }], Date.now());
  };
  // The last result is written, then the write's confirmation (or the process) fails.
  await job('jff1');
  const dies = { ...store, recordHookResult: async (...a: Parameters<typeof store.recordHookResult>) => (await store.recordHookResult(...a), Promise.reject(new Error('connection reset'))) };
  await assert.rejects(processPod(task('jff1'), { ...deps(waiter, executor), store: dies }, signals), /connection reset/);
  let stops = 0;
  assert.equal(await processPod(task('jff1'), { ...deps(waiter, executor), publishStop: async () => void stops++ }, signals), 'done', 'the retried run');
  assert.equal((await store.getJob('jff1'))?.pods[0]?.status, 'failed');
  assert.match(String(await store.stopReason('jff1')), /^failFast: pod ns\/p had a failed hook$/);
  assert.equal(stops, 1);
  // The pod was ended failed, then the run died before the trip.
  await job('jff2');
  const noTrip = { ...store, tripFailFast: () => Promise.reject(new Error('killed')) };
  await assert.rejects(processPod(task('jff2'), { ...deps(waiter, executor), store: noTrip }, signals), /killed/);
  assert.equal((await store.getJob('jff2'))?.pods[0]?.status, 'failed');
  assert.equal(await store.stopReason('jff2'), null);
  assert.equal(await processPod(task('jff2'), deps(waiter, executor), signals), 'done', 'the retried run');
  assert.match(String(await store.stopReason('jff2')), /failFast/);
});

test('a hook with an empty name (a Velero Restore may have one) waits for its container, then fails as podexec refuses it: nothing runs', async () => {
  const id = 'jnoname1';
  await newJob(id);
  const pod: PodView = { ...running, annotations: {} };
  const hooks: RestoreHooks = { resources: [{ name: '', postHooks: [{ exec: { command: ['true'] } }] }, { name: 'named', postHooks: [{ exec: { command: ['true'] } }] }] };
  await store.recordPlan(id, 0, planPodHooks(pod, hooks), Date.now());
  const audit: Record<string, unknown>[] = [];
  const ran: string[] = [];
  const waiter: PodWaiter = { get: async () => ({ kind: 'present', pod }), waitFor: () => Promise.reject(new Error('no wait expected')) };
  const executor: Executor = {
    async exec(req): Promise<ExecOutcome> {
      ran.push(req.command.join(' '));
      return { kind: 'exited', exitCode: 0, stdout: '', stderr: '', truncated: false };
    },
  };
  const d = { ...deps(waiter, executor), audit: { write: (r: Record<string, unknown>) => void audit.push(r) } };
  assert.equal(await processPod({ jobId: id, podIndex: 0, ref: { namespace: 'ns', name: 'p' } }, d, signals), 'done');
  assert.deepEqual(ran, ['true'], 'only the named hook ran');
  const hooksNow = (await store.getJob(id))?.pods[0]?.hooks;
  assert.deepEqual(hooksNow?.map((h) => [h.name, h.phase, h.error]), [
    ['', 'failed', 'hook  in container c failed to execute, err: hookName is required'],
    ['named', 'succeeded', null],
  ]);
  assert.deepEqual(audit.map((r) => r['event']), ['hook.exec.started', 'hook.exec.ended'], 'no exec was audited for the refused hook');
});
