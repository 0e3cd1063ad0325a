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
import { createProducer } from '../../src/queue/producer.ts';
import { startWorkers, type Workers } from '../../src/queue/worker.ts';
import { createNotifier } from '../../src/store/notifier.ts';
import { createRedisStore } from '../../src/store/redis-store.ts';
import type { JobStore } from '../../src/store/types.ts';
import type { JobSpec, JobView } from '../../src/domain/views.ts';
import { logSink } from '../helpers/log-sink.ts';
import { removePrefix, TEST_REDIS_URL, testPrefix } from '../helpers/redis.ts';
import { startSim, type StartedSim } from '../helpers/start-sim.ts';

const NS = 'queue';
const A = 'post.hook.restore.velero.io';

// Started at module level so its cleanup is registered with the file, not with a hook.
const env: StartedSim = await startSim({ lifecycle: { scheduleMs: 5, startMs: 5, readyMs: 5 } });

describe('queue and pod processor', () => {
  const prefix = testPrefix();
  let store: JobStore;
  let workers: Workers;
  let enqueue: (spec: JobSpec) => Promise<void>;
  let stopAll: () => Promise<void>;
  let publishStop: (jobId: string) => Promise<void>;
  const logs = logSink();
  let seq = 0;

  before(async () => {
    const { kc } = loadKubeConfig({ kind: 'kubeconfig-text', text: env.sim.kubeconfig });
    const command = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 2 });
    const blocking = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
    const subscriber = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
    const log = createLogger('debug', logs.stream);
    store = createRedisStore({ redis: command, prefix, retentionMs: 60_000 });
    const notifier = createNotifier({ subscriber, publisher: command, prefix });
    publishStop = (jobId) => notifier.publishStop(jobId);
    const hub = createPodWatchHub({ kc, log });
    const producer = createProducer({ connection: blocking, prefix, retry: { attempts: 3, backoffMs: 20 } });
    enqueue = (spec) => producer.enqueue(spec);
    workers = startWorkers({
      connection: blocking,
      prefix,
      store,
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
      podAttempts: 2,
    });
    stopAll = async () => {
      await workers.stop(5000);
      await producer.close();
      await hub.stop();
      await notifier.close();
      for (const c of [command, blocking, subscriber]) await c.quit();
      await removePrefix(prefix);
    };
    env.sim.createNamespace(NS);
  });
  after(async () => stopAll());

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

  function annotated(name: string, command: string, more: Record<string, string> = {}, manual = false): void {
    env.sim.createPod(NS, {
      metadata: {
        name,
        annotations: { [`${A}/command`]: command, ...more, ...(manual ? { 'sim.hookd.io/lifecycle': 'manual' } : {}) },
      },
      spec: { containers: [{ name: 'c', image: 'x' }, { name: 'd', image: 'x' }] },
    });
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
