// The queue and the pod processor on real Redis and the simulated cluster, without HTTP:
// retries and re-deliveries never run a finished hook twice, a hook caught running is
// reported interrupted, cancellation wakes waiting pods, failFast stops other pods.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { createLogger } from '../../src/log.ts';
import { createExecutor } from '../../src/kube/exec.ts';
import { loadKubeConfig } from '../../src/kube/kubeconfig.ts';
import { createPodWatchHub } from '../../src/kube/pod-watch.ts';
import { createPodReader } from '../../src/kube/pods.ts';
import { podJobId, QueueNames } from '../../src/queue/catalog.ts';
import { createProducer } from '../../src/queue/producer.ts';
import { startWorkers, type Workers } from '../../src/queue/worker.ts';
import { createNotifier } from '../../src/store/notifier.ts';
import { createRedisStore } from '../../src/store/redis-store.ts';
import type { JobStore } from '../../src/store/types.ts';
import type { JobSpec, JobView } from '../../src/domain/views.ts';
import { logSink } from '../helpers/log-sink.ts';
import { removePrefix, TEST_REDIS_URL, testPrefix, testSealer } from '../helpers/redis.ts';
import { startSim, type StartedSim } from '../helpers/start-sim.ts';

const NS = 'queue';
const A = 'post.hook.restore.velero.io';

// Started at module level so its cleanup is registered with the file, not with a hook.
const env: StartedSim = await startSim({ lifecycle: { scheduleMs: 5, startMs: 5, readyMs: 5 } });
env.sim.createNamespace(NS);

function annotated(name: string, command: string, more: Record<string, string> = {}, manual = false): void {
  env.sim.createPod(NS, {
    metadata: {
      name,
      annotations: { [`${A}/command`]: command, ...more, ...(manual ? { 'sim.hookd.io/lifecycle': 'manual' } : {}) },
    },
    spec: { containers: [{ name: 'c', image: 'x' }, { name: 'd', image: 'x' }] },
  });
}

interface Harness {
  readonly prefix: string;
  readonly store: JobStore;
  enqueue(spec: JobSpec): Promise<void>;
  publishStop(jobId: string): Promise<void>;
  stop(): Promise<void>;
}

/** Workers, a producer and a store on their own prefix; `wrap` may put faults in the store the workers use. */
async function startHarness(logs: ReturnType<typeof logSink>, podAttempts: number, wrap: (store: JobStore) => JobStore = (s) => s): Promise<Harness> {
  const prefix = testPrefix();
  const { kc } = loadKubeConfig({ kind: 'kubeconfig-text', text: env.sim.kubeconfig });
  const command = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 2 });
  const blocking = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  const subscriber = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  const log = createLogger('debug', logs.stream);
  const sealer = testSealer();
  const store = createRedisStore({ redis: command, prefix, retentionMs: 60_000, sealer });
  const notifier = createNotifier({ subscriber, publisher: command, prefix });
  const hub = createPodWatchHub({ kc, log });
  const producer = createProducer({ connection: blocking, prefix, retry: { attempts: 3, backoffMs: 20 } });
  const workers: Workers = startWorkers({
    connection: blocking,
    prefix,
    store: wrap(store),
    waiter: hub,
    executor: createExecutor({ kc, log }),
    pods: createPodReader(kc),
    notifier,
    log,
    podConcurrency: 50,
    execConcurrency: 10,
    maxWaitMs: 60_000,
    maxOutputBytes: 1024,
    maxPodsPerJob: 100,
    jobBounds: { maxHookRuns: 20, maxBytes: 64 * 1024 * 1024 },
    sealer,
    podAttempts,
  });
  return {
    prefix,
    store,
    enqueue: (spec) => producer.enqueue(spec),
    publishStop: (jobId) => notifier.publishStop(jobId),
    async stop() {
      await workers.stop(5000);
      await producer.close();
      await hub.stop();
      await notifier.close();
      for (const c of [command, blocking, subscriber]) await c.quit();
      await removePrefix(prefix);
    },
  };
}

describe('queue and pod processor', () => {
  let prefix: string;
  let store: JobStore;
  let enqueue: (spec: JobSpec) => Promise<void>;
  let publishStop: (jobId: string) => Promise<void>;
  let harness: Harness;
  const logs = logSink();
  let seq = 0;

  before(async () => {
    harness = await startHarness(logs, 2);
    ({ prefix, store, enqueue, publishStop } = harness);
  });
  after(async () => harness.stop());

  async function submit(pods: string[], extra: Partial<JobSpec> = {}): Promise<string> {
    const id = `jq${++seq}x${Date.now().toString(36)}`;
    const spec: JobSpec = {
      id,
      restore: null,
      source: { kind: 'pods', pods: pods.map((name) => ({ namespace: NS, name })) },
      hooks: null,
      failFast: false,
      warnings: [],
      createdAtMs: Date.now(),
      ...extra,
    };
    const created = await store.createJob(spec);
    assert.equal(created.kind, 'created');
    await enqueue(spec);
    return id;
  }

  async function ended(id: string, timeoutMs = 20_000): Promise<JobView> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const job = await store.getJob(id);
      if (job?.finishedAt) return job;
      if (Date.now() > deadline) throw new Error(`job ${id} did not end: ${JSON.stringify(job).slice(0, 1500)}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  test('a hook recorded running by a dead worker is reported interrupted and not run again', async () => {
    annotated('crashy', '["/bin/sh", "-c", "echo should-not-run"]');
    const id = `jcrash${Date.now().toString(36)}`;
    const spec: JobSpec = {
      id,
      restore: null,
      source: { kind: 'pods', pods: [{ namespace: NS, name: 'crashy' }] },
      hooks: null,
      failFast: false,
      warnings: [],
      createdAtMs: Date.now(),
    };
    await store.createJob(spec);
    // What a worker that died mid-exec leaves behind: the plan, and the hook marked running.
    await store.setPods(id, spec.source.kind === 'pods' ? spec.source.pods : [], Date.now());
    const { planPodHooks } = await import('../../src/domain/plan.ts');
    const { toPodView } = await import('../../src/kube/pod-view.ts');
    const plan = planPodHooks(toPodView(env.sim.getPod(NS, 'crashy') as never), null);
    await store.recordPlan(id, 0, plan, Date.now());
    await store.markHookRunning(id, 0, 0, Date.now());
    env.sim.resetCounters();
    await enqueue(spec);
    const job = await ended(id);
    const hook = job.pods[0]?.hooks[0];
    assert.equal(hook?.phase, 'failed');
    assert.match(hook?.error ?? '', /interrupted/);
    assert.equal(env.sim.counters().exec.started, 0, 'the interrupted hook was not executed again');
    assert.equal(job.status, 'partially_failed');
  });

  describe('a job changed in Redis after it was accepted never runs', () => {
    const specOf = (id: string, pod: string): JobSpec => ({
      id,
      restore: null,
      source: { kind: 'pods', pods: [{ namespace: NS, name: pod }] },
      hooks: { resources: [{ name: 'r', postHooks: [{ exec: { container: 'c', command: ['/bin/sh', '-c', 'echo accepted'] } }] }] },
      failFast: false,
      warnings: [],
      createdAtMs: Date.now(),
    });
    // Made in a hook, not at definition: a run that filters this suite out must not keep it open.
    let direct: Redis;
    before(() => {
      direct = new Redis(TEST_REDIS_URL);
    });
    after(() => direct.quit());

    test('a spec whose command was rewritten (HSET) fails its pods; nothing is executed', async () => {
      env.sim.createPod(NS, { metadata: { name: 'tamper-spec' }, spec: { containers: [{ name: 'c', image: 'x' }] } });
      const spec = specOf(`jtspec${Date.now().toString(36)}`, 'tamper-spec');
      await store.createJob(spec);
      const key = `${prefix}:{${spec.id}}:job`;
      const stored = (await direct.hget(key, 'spec')) ?? '';
      assert.ok(stored.includes('echo accepted'));
      await direct.hset(key, 'spec', stored.replace('echo accepted', 'echo attacker'));
      env.sim.resetCounters();
      await enqueue(spec);
      const job = await ended(spec.id);
      assert.equal(job.status, 'failed');
      assert.match(job.error ?? '', /fails its integrity check/);
      assert.equal(env.sim.counters().exec.started, 0, 'nothing was executed');
    });

    test('a plan rewritten after it was recorded fails the pod; nothing is executed', async () => {
      annotated('tamper-plan', '["/bin/sh", "-c", "echo planned"]', {}, true);
      const spec = { ...specOf(`jtplan${Date.now().toString(36)}`, 'tamper-plan'), hooks: null };
      await store.createJob(spec);
      await store.setPods(spec.id, spec.source.kind === 'pods' ? spec.source.pods : [], Date.now());
      const { planPodHooks } = await import('../../src/domain/plan.ts');
      const { toPodView } = await import('../../src/kube/pod-view.ts');
      await store.recordPlan(spec.id, 0, planPodHooks(toPodView(env.sim.getPod(NS, 'tamper-plan') as never), null), Date.now());
      const key = `${prefix}:{${spec.id}}:plans`;
      const stored = (await direct.hget(key, '0')) ?? '';
      assert.ok(stored.includes('echo planned'));
      await direct.hset(key, '0', stored.replace('echo planned', 'echo attacker'));
      env.sim.resetCounters();
      await enqueue(spec);
      const job = await ended(spec.id);
      assert.equal(job.pods[0]?.status, 'failed');
      assert.match(job.pods[0]?.error ?? '', /the plan of pod 0 .* fails its integrity check/);
      assert.equal(env.sim.counters().exec.started, 0, 'nothing was executed');
    });

    test('a pod job pointed at another pod is refused', async () => {
      env.sim.createPod(NS, { metadata: { name: 'tamper-victim' }, spec: { containers: [{ name: 'c', image: 'x' }] } });
      const spec = specOf(`jtpod${Date.now().toString(36)}`, 'tamper-ok');
      await store.createJob(spec);
      await store.setPods(spec.id, spec.source.kind === 'pods' ? spec.source.pods : [], Date.now());
      env.sim.resetCounters();
      const { Queue } = await import('bullmq');
      const pods = new Queue(QueueNames.pods, { connection: direct, prefix });
      // A MAC copied from a genuine pod job does not cover another pod.
      await pods.add('pod', { v: 1, jobId: spec.id, podIndex: 0, namespace: NS, name: 'tamper-victim', mac: 'a'.repeat(64) });
      const deadline = Date.now() + 10_000;
      while ((await store.getPod(spec.id, 0))?.status !== 'failed') {
        assert.ok(Date.now() < deadline, 'the pod was not failed');
        await new Promise((r) => setTimeout(r, 25));
      }
      assert.equal(env.sim.counters().exec.started, 0, 'nothing was executed');
      await pods.close();
    });
  });

  test('a finished job enqueued again runs nothing twice', async () => {
    annotated('once', '["/bin/sh", "-c", "echo once"]');
    const id = await submit(['once']);
    const first = await ended(id);
    assert.equal(first.status, 'completed');
    env.sim.resetCounters();
    const spec = await store.getSpec(id);
    assert.ok(spec);
    await enqueue(spec); // the parent id is deterministic: nothing is added while it is kept
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(env.sim.counters().exec.started, 0);
  });

  test('DELETE wakes a waiting pod: its hooks are skipped at once', async () => {
    annotated('sleeper', '["/bin/sh", "-c", "echo never"]', {}, true);
    const id = await submit(['sleeper']);
    const deadline = Date.now() + 10_000;
    while ((await store.getJob(id))?.pods[0]?.hooks[0]?.phase !== 'waiting') {
      assert.ok(Date.now() < deadline, 'hook never started waiting');
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(await store.cancelJob(id, Date.now()), 'cancelled');
    await publishStop(id);
    // Well before the 5 s re-check: the published stop woke the wait.
    const job = await ended(id, 3000);
    assert.equal(job.status, 'cancelled');
    assert.equal(job.pods[0]?.hooks[0]?.phase, 'skipped');
  });

  test('failFast: a failed pod stops the hooks still waiting in other pods', async () => {
    annotated('ff-bad', '["/bin/sh", "-c", "exit 1"]');
    annotated('ff-wait', '["/bin/sh", "-c", "echo late"]', {}, true);
    const id = await submit(['ff-bad', 'ff-wait'], { failFast: true });
    const job = await ended(id);
    assert.equal(job.status, 'partially_failed');
    assert.equal(job.pods[0]?.hooks[0]?.phase, 'failed');
    assert.equal(job.pods[1]?.hooks[0]?.phase, 'skipped');
    assert.match(job.pods[1]?.hooks[0]?.error ?? '', /failFast/);
  });

  test('without failFast, pods are independent', async () => {
    annotated('ind-bad', '["/bin/sh", "-c", "exit 1"]');
    annotated('ind-good', '["/bin/sh", "-c", "echo fine"]');
    const id = await submit(['ind-bad', 'ind-good']);
    const job = await ended(id);
    assert.equal(job.pods[1]?.hooks[0]?.phase, 'succeeded');
  });

  test('a selector whose listing fails for a while is retried, then the job runs', async () => {
    env.sim.createNamespace('flaky');
    env.sim.createPod('flaky', { metadata: { name: 'f-0', labels: { app: 'f' }, annotations: { [`${A}/command`]: '["true"]' } }, spec: { containers: [{ name: 'c', image: 'x' }] } });
    env.sim.faults.add({ kind: 'error', status: 503, match: { verb: 'list', resource: 'pods', namespace: 'flaky' }, times: 2 });
    const id = await submit([], { source: { kind: 'selector', namespaces: ['flaky'], labelSelector: 'app=f' } });
    const job = await ended(id);
    assert.equal(job.status, 'completed');
    assert.equal(job.pods[0]?.hooks[0]?.phase, 'succeeded');
  });

  test('a selector whose pods x hooks exceed the bound ends the job failed before any pod is queued', async () => {
    env.sim.createNamespace('wide');
    for (const name of ['w-0', 'w-1', 'w-2']) {
      env.sim.createPod('wide', { metadata: { name, labels: { app: 'w' } }, spec: { containers: [{ name: 'c', image: 'x' }] } });
    }
    const hooks = { resources: [{ name: 'r', postHooks: Array.from({ length: 7 }, () => ({ exec: { command: ['true'] } })) }] };
    const id = await submit([], { source: { kind: 'selector', namespaces: ['wide'], labelSelector: 'app=w' }, hooks });
    const job = await ended(id);
    assert.equal(job.status, 'failed');
    assert.match(job.error ?? '', /matched 3 pods: the job would make up to 21 hook runs .*HOOKD_MAX_HOOK_RUNS_PER_JOB/);
    assert.equal(job.pods.length, 0, 'no pod was recorded or run');
  });

  test('a selector that cannot be listed even after the retries ends the job failed, with the reason', async () => {
    env.sim.createNamespace('down');
    const fault = env.sim.faults.add({ kind: 'error', status: 503, match: { verb: 'list', resource: 'pods', namespace: 'down' } });
    try {
      const id = await submit([], { source: { kind: 'selector', namespaces: ['down'], labelSelector: '' } });
      const job = await ended(id);
      assert.equal(job.status, 'failed');
      assert.match(job.error ?? '', /could not be carried out/);
    } finally {
      env.sim.faults.remove(fault);
    }
  });
});

describe('a run whose pod was taken over by another worker', () => {
  const logs = logSink();
  // Jobs whose next hook result cannot be written (once): the run errors after its exec.
  const failing = new Set<string>();
  let direct: Redis;
  let h: Harness;
  before(async () => {
    direct = new Redis(TEST_REDIS_URL);
    h = await startHarness(logs, 1, (store) => ({
      ...store,
      async recordHookResult(jobId, ...rest) {
        if (failing.delete(jobId)) throw new Error('injected: the result could not be written');
        return store.recordHookResult(jobId, ...rest);
      },
    }));
  });
  after(async () => {
    await h.stop();
    await direct.quit();
  });

  test('does not settle the pod when its last attempt errors: the hook running elsewhere keeps its outcome', async () => {
    annotated('lost-lock', '["/bin/sh", "-c", "sleep 1; echo done"]');
    const id = `jlost${Date.now().toString(36)}`;
    const spec: JobSpec = {
      id,
      restore: null,
      source: { kind: 'pods', pods: [{ namespace: NS, name: 'lost-lock' }] },
      hooks: null,
      failFast: false,
      warnings: [],
      createdAtMs: Date.now(),
    };
    await h.store.createJob(spec);
    failing.add(id);
    await h.enqueue(spec);
    const deadline = Date.now() + 10_000;
    while ((await h.store.getJob(id))?.pods[0]?.hooks[0]?.phase !== 'running') {
      assert.ok(Date.now() < deadline, 'the hook never started running');
      await new Promise((r) => setTimeout(r, 20));
    }
    // What a takeover leaves: this run stalled past its lock, and another worker's run holds the
    // pod job now (running the same hook, which this run must not report on).
    await direct.set(`${h.prefix}:${QueueNames.pods}:${podJobId(id, 0)}:lock`, 'the-other-workers-token', 'PX', 60_000);
    const failed = (): boolean => logs.lines.some((l) => l['jobId'] === id && l['msg'] === 'pod processing failed');
    while (!failed()) {
      assert.ok(Date.now() < deadline, 'the run never failed');
      await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => setTimeout(r, 300));
    const pod = (await h.store.getJob(id))?.pods[0];
    assert.equal(pod?.hooks[0]?.phase, 'running', 'the hook the other worker runs was not settled by this run');
    assert.notEqual(pod?.status, 'failed');
    assert.ok(
      logs.lines.some((l) => l['jobId'] === id && l['msg'] === 'pod processing failed on a pod this worker no longer holds; its holder settles it'),
      'the run said why it left the pod alone',
    );
  });
});
