// Velero's waiting rules (docs velero-hooks.md §2), proved on the whole service: HTTP API,
// queue, workers, real Redis and the simulated cluster. Each test names the rule it proves;
// the sim's exec timeline is the proof that a hook did or did not run.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startHookd, type TestHookd } from '../helpers/hookd.ts';
import { startSim, type StartedSim } from '../helpers/start-sim.ts';
import { allWaiting, assertNotRun, createPod, elapse, ended, entry, execArrivals, hookOf, podOf, sh, submit, until } from './velero-support.ts';

// Started at module level so its cleanup is registered with the file, not with a hook.
const env: StartedSim = await startSim({ lifecycle: { scheduleMs: 5, startMs: 5, readyMs: 5 } });
const sim = env.sim;

describe('Velero waiting rules on the simulated cluster', () => {
  let hookd: TestHookd;
  before(async () => {
    hookd = await startHookd({ kubeconfig: sim.kubeconfig, env: { HOOKD_MAX_WAIT: '10m' } });
  });
  after(async () => hookd?.stop());

  test('wait-for-ready: a hook with waitForReady waits for ready; without it, running is enough', async () => {
    const ns = 'w-ready';
    sim.createNamespace(ns);
    createPod(sim, ns, 'p');
    // Plan order puts the waitForReady hook first: were app "up" when merely running, it would run first.
    const hooks = {
      resources: [
        entry('needs-ready', ns, [{ container: 'app', command: sh('echo ready'), waitForReady: true }]),
        entry('running-enough', ns, [{ container: 'side', command: sh('echo running') }]),
      ],
    };
    const id = await submit(hookd.url, { pods: [{ namespace: ns, name: 'p' }], hooks });
    await until(hookd.url, id, allWaiting(), 'both hooks waiting');

    sim.setContainerState(ns, 'p', 'app', 'running', { ready: false });
    sim.setContainerState(ns, 'p', 'side', 'running', { ready: false });
    const mid = await until(hookd.url, id, (j) => hookOf(j, 'p', 1).phase === 'succeeded', 'the side hook ran on a running, unready container');
    assert.equal(hookOf(mid, 'p', 0).phase, 'waiting', 'running but not ready: the waitForReady hook is not run');
    assert.deepEqual(execArrivals(sim, ns, 'p'), ['side']);

    sim.setContainerState(ns, 'p', 'app', 'running', { ready: true });
    const job = await ended(hookd.url, id);
    assert.equal(job.status, 'completed');
    assert.equal(hookOf(job, 'p', 0).phase, 'succeeded');
    assert.equal(hookOf(job, 'p', 0).stdout, 'ready\n');
    assert.deepEqual(execArrivals(sim, ns, 'p'), ['side', 'app']);
  });

  test('containers are served in the order they come up, all hooks of a container one after another', async () => {
    const ns = 'w-order';
    sim.createNamespace(ns);
    createPod(sim, ns, 'p');
    const hooks = {
      resources: [
        entry('app-hooks', ns, [
          { container: 'app', command: sh('echo a1') },
          { container: 'app', command: sh('echo a2') },
        ]),
        entry('side-hook', ns, [{ container: 'side', command: sh('echo s1') }]),
      ],
    };
    const id = await submit(hookd.url, { pods: [{ namespace: ns, name: 'p' }], hooks });
    await until(hookd.url, id, allWaiting(), 'hooks waiting');

    // side is last in plan order but comes up first: it is served first.
    sim.setContainerState(ns, 'p', 'side', 'running', { ready: true });
    const mid = await until(hookd.url, id, (j) => hookOf(j, 'p', 2).phase === 'succeeded', 'side served');
    assert.deepEqual([hookOf(mid, 'p', 0).phase, hookOf(mid, 'p', 1).phase], ['waiting', 'waiting']);

    sim.setContainerState(ns, 'p', 'app', 'running', { ready: true });
    const job = await ended(hookd.url, id);
    assert.equal(job.status, 'completed');
    assert.deepEqual(execArrivals(sim, ns, 'p'), ['side', 'app', 'app']);
    const [a1, a2] = [hookOf(job, 'p', 0), hookOf(job, 'p', 1)];
    assert.deepEqual([a1.stdout, a2.stdout], ['a1\n', 'a2\n']);
    assert.ok(Date.parse(a1.finishedAt ?? '') <= Date.parse(a2.startedAt ?? ''), 'hooks of one container run one after another, in order');
  });

  test('hookd: containers that are up at the same time are served in plan order (Velero: map order)', async () => {
    const ns = 'w-plan-order';
    sim.createNamespace(ns);
    // The sim's kubelet starts both containers in one status write.
    createPod(sim, ns, 'p', { manual: false });
    const hooks = {
      resources: [entry('side-first', ns, [{ container: 'side', command: sh('echo s') }]), entry('app-second', ns, [{ container: 'app', command: sh('echo a') }])],
    };
    const id = await submit(hookd.url, { pods: [{ namespace: ns, name: 'p' }], hooks });
    const job = await ended(hookd.url, id);
    assert.equal(job.status, 'completed');
    assert.deepEqual(execArrivals(sim, ns, 'p'), ['side', 'app']);
  });

  test('waitTimeout expiry (onError Continue): the expired hook fails "expired before executing", is not run; the next hook runs', async () => {
    const ns = 'w-expiry';
    sim.createNamespace(ns);
    createPod(sim, ns, 'p');
    const hooks = {
      resources: [
        entry('late', ns, [{ container: 'app', command: sh('echo late'), waitTimeout: '300ms' }]),
        entry('after', ns, [{ container: 'app', command: sh('echo after') }]),
      ],
    };
    const id = await submit(hookd.url, { pods: [{ namespace: ns, name: 'p' }], hooks });
    await until(hookd.url, id, allWaiting(), 'hooks waiting');
    await elapse(400); // the rule is about elapsed time: let the 300ms waitTimeout pass
    sim.setContainerState(ns, 'p', 'app', 'running', { ready: true });

    const job = await ended(hookd.url, id);
    assertNotRun(hookOf(job, 'p', 0), 'failed', 'hook late in container app expired before executing');
    assert.equal(hookOf(job, 'p', 1).phase, 'succeeded');
    assert.equal(hookOf(job, 'p', 1).stdout, 'after\n');
    assert.deepEqual(execArrivals(sim, ns, 'p'), ['app'], 'only the hook that had not expired was executed');
    assert.equal(job.status, 'partially_failed');
    assert.deepEqual(job.summary, { pods: 1, hooksTotal: 2, hooksAttempted: 1, hooksSucceeded: 1, hooksFailed: 1, hooksPending: 0, hooksSkipped: 0 });
  });

  test('waitTimeout expiry with onError Fail: the expired hook stops the pod, no hook is executed', async () => {
    const ns = 'w-expiry-fail';
    sim.createNamespace(ns);
    createPod(sim, ns, 'p');
    const hooks = {
      resources: [
        entry('late', ns, [{ container: 'app', command: sh('echo late'), waitTimeout: '300ms', onError: 'Fail' }]),
        entry('other', ns, [{ container: 'side', command: sh('echo other') }]),
      ],
    };
    const id = await submit(hookd.url, { pods: [{ namespace: ns, name: 'p' }], hooks });
    await until(hookd.url, id, allWaiting(), 'hooks waiting');
    await elapse(400);
    sim.setContainerState(ns, 'p', 'app', 'running', { ready: true });

    const job = await ended(hookd.url, id);
    assertNotRun(hookOf(job, 'p', 0), 'failed', 'hook late in container app expired before executing');
    assertNotRun(hookOf(job, 'p', 1), 'failed', 'hook other in container side not executed: hook late in container app failed and its onError is Fail');
    assert.deepEqual(execArrivals(sim, ns, 'p'), []);
    assert.equal(podOf(job, 'p').status, 'failed');
  });

  test("the pod's wait lasts as long as its largest waitTimeout; hooks not executed by then fail", async () => {
    const ns = 'w-deadline';
    sim.createNamespace(ns);
    createPod(sim, ns, 'p');
    const hooks = {
      resources: [
        entry('short', ns, [{ container: 'app', command: sh('true'), waitTimeout: '300ms' }]),
        entry('long', ns, [{ container: 'side', command: sh('true'), waitTimeout: '800ms' }]),
      ],
    };
    const id = await submit(hookd.url, { pods: [{ namespace: ns, name: 'p' }], hooks });
    const job = await ended(hookd.url, id);
    const limit = '800ms (the largest waitTimeout of the pod\'s hooks)';
    assertNotRun(hookOf(job, 'p', 0), 'failed', `hook short in container app not executed: the wait ended after ${limit} before container app was running`);
    assertNotRun(hookOf(job, 'p', 1), 'failed', `hook long in container side not executed: the wait ended after ${limit} before container side was running`);
    const waited = Date.parse(hookOf(job, 'p', 1).finishedAt ?? '') - Date.parse(job.startedAt ?? '');
    assert.ok(waited >= 800 && waited < 10_000, `waited ${waited} ms`);
    assert.deepEqual(execArrivals(sim, ns, 'p'), []);
  });

  test('a pod deleted, or entering phase Failed or Succeeded, while waiting fails its remaining hooks with the cause', async () => {
    const ns = 'w-gone';
    sim.createNamespace(ns);
    for (const name of ['deleted', 'failed', 'succeeded']) createPod(sim, ns, name);
    const hooks = {
      resources: [entry('app-hook', ns, [{ container: 'app', command: sh('echo app') }]), entry('side-hook', ns, [{ container: 'side', command: sh('echo side') }])],
    };
    const pods = ['deleted', 'failed', 'succeeded'].map((name) => ({ namespace: ns, name }));
    const id = await submit(hookd.url, { pods, hooks });
    await until(hookd.url, id, allWaiting(), 'every hook waiting');

    // "failed": its app hook runs first, so only the side hook remains when the pod fails.
    sim.setContainerState(ns, 'failed', 'app', 'running', { ready: true });
    await until(hookd.url, id, (j) => hookOf(j, 'failed', 0).phase === 'succeeded', 'the app hook of "failed" ran');
    sim.patchPodStatus(ns, 'failed', { phase: 'Failed', reason: 'Evicted' });
    sim.deletePod(ns, 'deleted');
    // Both containers exit 0 without ever having been running: the kubelet says Succeeded.
    sim.setContainerState(ns, 'succeeded', 'app', 'terminated', { exitCode: 0 });
    sim.setContainerState(ns, 'succeeded', 'side', 'terminated', { exitCode: 0 });

    const job = await ended(hookd.url, id);
    for (const [i, c] of [[0, 'app'], [1, 'side']] as const) {
      const name = c === 'app' ? 'app-hook' : 'side-hook';
      assertNotRun(hookOf(job, 'deleted', i), 'failed', `hook ${name} in container ${c} not executed: pod deleted before all hooks were executed`);
      assertNotRun(hookOf(job, 'succeeded', i), 'failed', `hook ${name} in container ${c} not executed: pod entered phase Succeeded before some post-restore exec hooks ran`);
    }
    assert.equal(hookOf(job, 'failed', 0).phase, 'succeeded');
    assertNotRun(hookOf(job, 'failed', 1), 'failed', 'hook side-hook in container side not executed: pod entered phase Failed before some post-restore exec hooks ran');
    assert.deepEqual(job.pods.map((p) => p.status), ['failed', 'failed', 'failed']);
    assert.equal(job.status, 'partially_failed');
    assert.deepEqual(execArrivals(sim, ns, 'deleted').length + execArrivals(sim, ns, 'succeeded').length, 0);
  });
});

describe('the job-wide maximum wait (HOOKD_MAX_WAIT)', () => {
  let hookd: TestHookd;
  before(async () => {
    hookd = await startHookd({ kubeconfig: sim.kubeconfig, env: { HOOKD_MAX_WAIT: '1s' } });
  });
  after(async () => hookd?.stop());

  test('hookd: a hook without waitTimeout, or with one beyond the maximum, waits at most the job-wide maximum', async () => {
    const ns = 'w-max';
    sim.createNamespace(ns);
    createPod(sim, ns, 'unbounded', { labels: { which: 'unbounded' } });
    createPod(sim, ns, 'beyond', { labels: { which: 'beyond' } });
    const hooks = {
      resources: [
        entry('no-limit', ns, [{ container: 'app', command: sh('true') }], { labelSelector: { matchLabels: { which: 'unbounded' } } }),
        entry('five-minutes', ns, [{ container: 'app', command: sh('true'), waitTimeout: '5m' }], { labelSelector: { matchLabels: { which: 'beyond' } } }),
      ],
    };
    const id = await submit(hookd.url, {
      pods: [
        { namespace: ns, name: 'unbounded' },
        { namespace: ns, name: 'beyond' },
      ],
      hooks,
    });
    const job = await ended(hookd.url, id);
    assert.ok(job.pods.every((p) => p.hooks.length === 1), `one hook per pod: ${JSON.stringify(job.pods)}`);
    assertNotRun(
      hookOf(job, 'unbounded', 0),
      'failed',
      'hook no-limit in container app not executed: the wait ended after 1s (the job-wide maximum wait; a hook of this pod has no waitTimeout) before container app was running',
    );
    assertNotRun(
      hookOf(job, 'beyond', 0),
      'failed',
      'hook five-minutes in container app not executed: the wait ended after 1s (the job-wide maximum wait; shorter than the largest waitTimeout, 5m0s) before container app was running',
    );
    const waited = Date.parse(job.finishedAt ?? '') - Date.parse(job.startedAt ?? '');
    assert.ok(waited >= 1000 && waited < 10_000, `waited ${waited} ms`);
  });
});
