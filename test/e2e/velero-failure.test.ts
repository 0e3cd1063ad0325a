// Velero's failure policy and exec outcomes (velero-hooks.md §3), proved on the whole
// service: onError Fail across containers, Continue, failFast across pods and its default,
// and the three ways an exec fails (timeout, non-zero exit, exec error), each named.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startHookd, type TestHookd } from '../helpers/hookd.ts';
import { startSim, type StartedSim } from '../helpers/start-sim.ts';
import { A, allWaiting, assertNotRun, createPod, ended, entry, execArrivals, hookOf, podOf, sh, submit, until } from './velero-support.ts';

// Started at module level so its cleanup is registered with the file, not with a hook.
const env: StartedSim = await startSim({ lifecycle: { scheduleMs: 5, startMs: 5, readyMs: 5 } });
const sim = env.sim;

describe('Velero failure policy and exec outcomes on the simulated cluster', () => {
  let hookd: TestHookd;
  before(async () => {
    hookd = await startHookd({ kubeconfig: sim.kubeconfig, env: { HOOKD_MAX_WAIT: '10m' } });
  });
  after(async () => hookd?.stop());

  /** Two hooks in app (the first exits 1 with the given onError), one in side; both containers up at once. */
  function twoContainerHooks(ns: string, onError: 'Fail' | 'Continue'): Record<string, unknown> {
    return {
      resources: [
        entry('app-hooks', ns, [
          { container: 'app', command: sh('echo boom >&2; exit 1'), onError },
          { container: 'app', command: sh('echo app-second') },
        ]),
        entry('side-hook', ns, [{ container: 'side', command: sh('echo side') }]),
      ],
    };
  }

  test('onError Fail: the failing hook stops the pod; remaining hooks in every container fail as not executed, even in a container that is up', async () => {
    const ns = 'f-fail';
    sim.createNamespace(ns);
    createPod(sim, ns, 'p', { manual: false }); // the kubelet starts app and side in one status write
    const id = await submit(hookd.url, { pods: [{ namespace: ns, name: 'p' }], hooks: twoContainerHooks(ns, 'Fail') });
    const job = await ended(hookd.url, id);

    const first = hookOf(job, 'p', 0);
    assert.equal(first.phase, 'failed');
    assert.equal(first.exitCode, 1);
    assert.equal(first.stderr, 'boom\n');
    assert.equal(first.error, 'hook app-hooks in container app failed to execute, err: command terminated with exit code 1');
    const stop = 'failed and its onError is Fail';
    assertNotRun(hookOf(job, 'p', 1), 'failed', `hook app-hooks in container app not executed: hook app-hooks in container app ${stop}`);
    assertNotRun(hookOf(job, 'p', 2), 'failed', `hook side-hook in container side not executed: hook app-hooks in container app ${stop}`);
    assert.deepEqual(execArrivals(sim, ns, 'p'), ['app'], 'only the failing hook was executed');
    const sideUp = sim.timeline().containerRunning.find((c) => c.namespace === ns && c.pod === 'p' && c.container === 'side');
    assert.ok(sideUp && sideUp.atMs <= Date.parse(first.finishedAt ?? ''), 'side was running before the pod stopped');
    assert.equal(podOf(job, 'p').status, 'failed');
    assert.equal(job.status, 'partially_failed');
    assert.deepEqual(job.summary, { pods: 1, hooksTotal: 3, hooksAttempted: 1, hooksSucceeded: 0, hooksFailed: 3, hooksPending: 0, hooksSkipped: 0 });
  });

  test('onError Continue: after a failed hook the next hook runs, in its container and the others', async () => {
    const ns = 'f-continue';
    sim.createNamespace(ns);
    createPod(sim, ns, 'p', { manual: false });
    const id = await submit(hookd.url, { pods: [{ namespace: ns, name: 'p' }], hooks: twoContainerHooks(ns, 'Continue') });
    const job = await ended(hookd.url, id);
    assert.deepEqual(podOf(job, 'p').hooks.map((h) => [h.name, h.container, h.onError, h.phase]), [
      ['app-hooks', 'app', 'Continue', 'failed'],
      ['app-hooks', 'app', 'Continue', 'succeeded'],
      ['side-hook', 'side', 'Continue', 'succeeded'],
    ]);
    assert.equal(hookOf(job, 'p', 1).stdout, 'app-second\n');
    assert.deepEqual(execArrivals(sim, ns, 'p'), ['app', 'app', 'side']);
    assert.equal(job.status, 'partially_failed', 'any failed hook makes the job partially failed, whatever its onError');
    // hookd counts both hooks of the one entry on app (Velero's tracker key would merge them).
    assert.deepEqual(job.summary, { pods: 1, hooksTotal: 3, hooksAttempted: 3, hooksSucceeded: 2, hooksFailed: 1, hooksPending: 0, hooksSkipped: 0 });
  });

  test('hookd: pods are independent by default; a failed pod does not stop a waiting one', async () => {
    const ns = 'f-independent';
    sim.createNamespace(ns);
    createPod(sim, ns, 'bad', { manual: false, annotations: { [`${A}command`]: '["/bin/sh", "-c", "exit 2"]', [`${A}on-error`]: 'Fail' } });
    createPod(sim, ns, 'slow', { annotations: { [`${A}command`]: '["/bin/sh", "-c", "echo fine"]' } });
    const id = await submit(hookd.url, {
      pods: [
        { namespace: ns, name: 'bad' },
        { namespace: ns, name: 'slow' },
      ],
    });
    const mid = await until(hookd.url, id, (j) => podOf(j, 'bad').status === 'failed' && allWaiting('slow')(j), 'bad failed while slow waits');
    assert.equal(mid.failFast, false, 'failFast defaults to false');
    sim.setContainerState(ns, 'slow', 'app', 'running', { ready: true });
    const job = await ended(hookd.url, id);
    assert.equal(hookOf(job, 'slow', 0).phase, 'succeeded');
    assert.equal(hookOf(job, 'slow', 0).stdout, 'fine\n');
    assert.equal(job.status, 'partially_failed');
  });

  test('failFast: true: the first pod with a failed hook stops the job; hooks not started in other pods are skipped with that reason', async () => {
    const ns = 'f-failfast';
    sim.createNamespace(ns);
    // Continue, to show failFast acts on any failed hook, whatever its onError.
    createPod(sim, ns, 'bad', { annotations: { [`${A}command`]: '["/bin/sh", "-c", "exit 2"]' } });
    createPod(sim, ns, 'slow', { annotations: { [`${A}command`]: '["/bin/sh", "-c", "echo never"]' } });
    const id = await submit(hookd.url, {
      failFast: true,
      pods: [
        { namespace: ns, name: 'bad' },
        { namespace: ns, name: 'slow' },
      ],
    });
    await until(hookd.url, id, allWaiting(), 'both pods waiting');
    sim.setContainerState(ns, 'bad', 'app', 'running', { ready: true });
    const job = await ended(hookd.url, id);
    assert.equal(job.failFast, true);
    assert.equal(hookOf(job, 'bad', 0).exitCode, 2);
    assertNotRun(hookOf(job, 'slow', 0), 'skipped', `failFast: pod ${ns}/bad had a failed hook`);
    assert.deepEqual(execArrivals(sim, ns, 'slow'), []);
    assert.equal(job.status, 'partially_failed');
    assert.equal(job.summary.hooksSkipped, 1);
  });

  // A pod none of whose hooks ran must not read as "succeeded".
  test('failFast: a pod stopped while its hooks wait is reported cancelled with the reason, never succeeded', async () => {
    const ns = 'f-failfast-status';
    sim.createNamespace(ns);
    createPod(sim, ns, 'bad', { annotations: { [`${A}command`]: '["/bin/sh", "-c", "exit 2"]' } });
    createPod(sim, ns, 'slow', { annotations: { [`${A}command`]: '["/bin/sh", "-c", "echo never"]' } });
    const id = await submit(hookd.url, { failFast: true, pods: [{ namespace: ns, name: 'bad' }, { namespace: ns, name: 'slow' }] });
    await until(hookd.url, id, allWaiting(), 'both pods waiting');
    sim.setContainerState(ns, 'bad', 'app', 'running', { ready: true });
    const job = await ended(hookd.url, id);
    assertNotRun(hookOf(job, 'slow', 0), 'skipped', `failFast: pod ${ns}/bad had a failed hook`);
    assert.deepEqual([podOf(job, 'slow').status, podOf(job, 'slow').error], ['cancelled', `failFast: pod ${ns}/bad had a failed hook`]);
  });

  test('exec outcomes: timeout, non-zero exit and exec error each fail the hook with a message naming the cause', async () => {
    const ns = 'f-exec';
    sim.createNamespace(ns);
    createPod(sim, ns, 'p', { manual: false });
    createPod(sim, ns, 'gone', { manual: false, containers: ['app'], labels: { which: 'gone' } });
    sim.scripts.set({ namespace: ns, pod: 'p', container: 'app' }, () => ({ exitCode: 0, hang: true }));
    // The first hook of "gone" sees its container exit under it; the second then execs into a terminated container.
    sim.scripts.set({ namespace: ns, pod: 'gone', container: 'app' }, () => {
      sim.setContainerState(ns, 'gone', 'app', 'terminated', { exitCode: 0 });
      return { exitCode: 0, stdout: 'last words\n' };
    });
    const notGone = { labelSelector: { matchExpressions: [{ key: 'which', operator: 'DoesNotExist' }] } };
    const hooks = {
      resources: [
        entry('hangs', ns, [{ container: 'app', command: sh('sleep 60'), execTimeout: '500ms' }], notGone),
        entry('exits', ns, [{ container: 'side', command: sh('echo partial; echo bad >&2; exit 3') }], notGone),
        entry('twice', ns, [{ command: sh('echo first') }, { command: sh('echo second') }], { labelSelector: { matchLabels: { which: 'gone' } } }),
      ],
    };
    const id = await submit(hookd.url, {
      pods: [
        { namespace: ns, name: 'p' },
        { namespace: ns, name: 'gone' },
      ],
      hooks,
    });
    const job = await ended(hookd.url, id);

    const timedOut = hookOf(job, 'p', 0);
    assert.equal(timedOut.phase, 'failed');
    assert.equal(timedOut.exitCode, null);
    assert.equal(timedOut.error, 'hook hangs in container app failed to execute, err: timed out after 500ms (the process may still be running in the container)');
    assert.ok((timedOut.durationMs ?? 0) >= 500, `durationMs ${timedOut.durationMs}`);

    const exited = hookOf(job, 'p', 1);
    assert.equal(exited.phase, 'failed');
    assert.equal(exited.exitCode, 3);
    assert.deepEqual([exited.stdout, exited.stderr], ['partial\n', 'bad\n']);
    assert.equal(exited.error, 'hook exits in container side failed to execute, err: command terminated with exit code 3');

    assert.equal(hookOf(job, 'gone', 0).phase, 'succeeded');
    const refused = hookOf(job, 'gone', 1);
    assert.equal(refused.phase, 'failed');
    assert.equal(refused.exitCode, null);
    assert.notEqual(refused.startedAt, null, 'the exec was attempted');
    assert.match(refused.error ?? '', /^hook twice in container app failed to execute, err: .*container not found/);
    assert.equal(job.summary.hooksAttempted, 4);
  });
});

describe('failFast with one pod at a time (HOOKD_POD_CONCURRENCY=1)', () => {
  let hookd: TestHookd;
  before(async () => {
    hookd = await startHookd({ kubeconfig: sim.kubeconfig, env: { HOOKD_POD_CONCURRENCY: '1' } });
  });
  after(async () => hookd?.stop());

  // api.md: hooks not yet started in other pods are skipped with the reason, also in a pod
  // no worker had begun (it is planned from the live pod so its hooks are listed and counted).
  test('failFast: hooks of a pod not yet begun are listed skipped with the reason and counted (api.md)', async () => {
    const ns = 'f-failfast-queued';
    sim.createNamespace(ns);
    createPod(sim, ns, 'bad', { manual: false, annotations: { [`${A}command`]: '["/bin/sh", "-c", "exit 2"]' } });
    createPod(sim, ns, 'later', { manual: false, annotations: { [`${A}command`]: '["/bin/sh", "-c", "echo never"]' } });
    // One pod at a time, in the order given: "later" begins only after "bad" failed.
    const id = await submit(hookd.url, { failFast: true, pods: [{ namespace: ns, name: 'bad' }, { namespace: ns, name: 'later' }] });
    const job = await ended(hookd.url, id);
    assert.equal(hookOf(job, 'bad', 0).exitCode, 2);
    assert.deepEqual(execArrivals(sim, ns, 'later'), []);
    assert.equal(podOf(job, 'later').status, 'cancelled');
    assert.equal(podOf(job, 'later').hooks.length, 1, `the pod's hook is listed: ${JSON.stringify(podOf(job, 'later'))}`);
    assertNotRun(hookOf(job, 'later', 0), 'skipped', `failFast: pod ${ns}/bad had a failed hook`);
    assert.deepEqual(job.summary, { pods: 2, hooksTotal: 2, hooksAttempted: 1, hooksSucceeded: 0, hooksFailed: 1, hooksPending: 0, hooksSkipped: 1 });
  });
});
