// Where hooks come from (velero-hooks.md §1, §2 first rule, issue 5 point 6), proved on the
// whole service: an annotation hook replaces the spec hooks, its defaults, the warnings
// Velero would not give (each naming key and value) while the hook behaves as Velero's,
// and a hook for a container the pod does not have.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { quotesHidden } from '../../src/queue/log-safe.ts';
import { startHookd, type TestHookd } from '../helpers/hookd.ts';
import { startSim, type StartedSim } from '../helpers/start-sim.ts';
import { A, allWaiting, assertNotRun, createPod, ended, entry, execArrivals, hookOf, podOf, sh, submit, until } from './velero-support.ts';

// Started at module level so its cleanup is registered with the file, not with a hook.
const env: StartedSim = await startSim({ lifecycle: { scheduleMs: 5, startMs: 5, readyMs: 5 } });
const sim = env.sim;

describe('hook sources and warnings on the simulated cluster', () => {
  let hookd: TestHookd;
  before(async () => {
    hookd = await startHookd({ kubeconfig: sim.kubeconfig, env: { HOOKD_MAX_WAIT: '10m' } });
  });
  after(async () => hookd?.stop());

  test('an annotation hook replaces the spec hooks of its pod, with the defaults: first container, Continue, 30s exec timeout', async () => {
    const ns = 's-precedence';
    sim.createNamespace(ns);
    createPod(sim, ns, 'annotated', { manual: false, annotations: { [`${A}command`]: '["/bin/sh", "-c", "echo from annotation"]' } });
    createPod(sim, ns, 'plain', { manual: false });
    const hooks = { resources: [entry('spec-hook', ns, [{ container: 'side', command: sh('echo from spec'), onError: 'Fail' }])] };
    const id = await submit(hookd.url, {
      pods: [
        { namespace: ns, name: 'annotated' },
        { namespace: ns, name: 'plain' },
      ],
      hooks,
    });
    const job = await ended(hookd.url, id);
    assert.equal(job.status, 'completed');

    const annotated = podOf(job, 'annotated');
    assert.equal(annotated.hooks.length, 1, 'the annotation hook is the only hook of its pod');
    const hook = hookOf(job, 'annotated', 0);
    assert.deepEqual(
      { name: hook.name, source: hook.source, container: hook.container, onError: hook.onError, command: hook.command, stdout: hook.stdout },
      { name: '<from-annotation>', source: 'annotation', container: 'app', onError: 'Continue', command: ['/bin/sh', '-c', 'echo from annotation'], stdout: 'from annotation\n' },
    );
    assert.deepEqual(annotated.warnings, ["the pod's annotation hook takes precedence: 1 spec hook(s) that match it are not run (Velero)"]);
    assert.deepEqual(execArrivals(sim, ns, 'annotated'), ['app']);
    // The exec timeout is not part of the job view; the worker's log line carries it.
    const started = hookd.logs.lines.find((l) => l.jobId === id && l.pod === 'annotated' && l.msg === 'hook started');
    assert.equal(started?.timeoutMs, 30_000, 'default exec timeout 30s');

    const plain = hookOf(job, 'plain', 0);
    assert.deepEqual([plain.name, plain.source, plain.container, plain.onError, plain.stdout], ['spec-hook', 'spec', 'side', 'Fail', 'from spec\n']);
    assert.deepEqual(podOf(job, 'plain').warnings, []);
  });

  test('annotation warnings (misspelt key, bad on-error, unparsable wait-timeout and wait-for-ready) name key and value; the hook behaves as in Velero', async () => {
    const ns = 's-warnings';
    sim.createNamespace(ns);
    createPod(sim, ns, 'p', {
      annotations: {
        [`${A}command`]: 'echo not split on spaces',
        [`${A}containers`]: 'side', // misspelt "container": ignored, so the first container
        [`${A}on-error`]: 'fail', // not exact case: Continue
        [`${A}wait-timeout`]: '5 minutes', // unparsable: no wait limit
        [`${A}wait-for-ready`]: 'yes', // unparsable: false
      },
    });
    sim.scripts.set({ namespace: ns, pod: 'p' }, (ctx) => ({ exitCode: 0, stdout: `${ctx.container}: ${JSON.stringify(ctx.command)}` }));
    const id = await submit(hookd.url, { pods: [{ namespace: ns, name: 'p' }] });
    const waiting = await until(hookd.url, id, allWaiting(), 'the annotation hook waiting');

    const warnings = podOf(waiting, 'p').warnings;
    const expected = [
      `${A}containers: unknown key, ignored (did you mean container?)`,
      `${A}on-error: "fail" is not Continue or Fail (exact case); Continue`,
      `${A}wait-timeout: "5 minutes" is not a duration; no wait limit`,
      `${A}wait-for-ready: "yes" is not a boolean (true, false, 1, 0, t, f, ...); false`,
    ];
    assert.deepEqual([...warnings].sort(), [...expected].sort());
    const logged = hookd.logs.lines.filter((l) => l.jobId === id && l.msg === 'hook configuration warning').map((l) => l.warning);
    // The log has every warning with its quoted values replaced by their sizes: a value can be a command.
    assert.deepEqual([...logged].sort(), expected.map(quotesHidden).sort(), 'every warning is also in the log, values hidden');
    assert.ok(logged.some((w) => /containers: unknown key, ignored \(did you mean container\?\)/.test(String(w))));
    assert.ok(!JSON.stringify(logged).includes('side'), 'an unknown key\'s value (it can be a command) is not in the log');
    // wait-timeout "5 minutes" is no limit: the pod waits until the job-wide maximum (10m here).
    const wait = hookd.logs.lines.find((l) => l.jobId === id && l.msg === 'waiting for containers');
    assert.ok(wait && Number(wait.untilMs) - Date.parse(String(wait.time)) > 9 * 60_000, `wait deadline: ${JSON.stringify(wait)}`);

    // wait-for-ready "yes" is false: running (not ready) is enough. Container: app, the first.
    sim.setContainerState(ns, 'p', 'app', 'running', { ready: false });
    const job = await ended(hookd.url, id);
    const hook = hookOf(job, 'p', 0);
    assert.equal(hook.phase, 'succeeded');
    assert.equal(hook.container, 'app');
    assert.equal(hook.onError, 'Continue');
    assert.deepEqual(hook.command, ['echo not split on spaces'], 'a non-JSON command is one argument');
    assert.equal(hook.stdout, 'app: ["echo not split on spaces"]');
    assert.equal(job.status, 'completed');
  });

  test('a hook for a container the pod does not have is skipped with its reason and a warning; the others run', async () => {
    const ns = 's-missing';
    sim.createNamespace(ns);
    createPod(sim, ns, 'p', { manual: false });
    const hooks = {
      resources: [entry('ghost', ns, [{ container: 'nope', command: sh('echo ghost'), onError: 'Fail' }]), entry('real', ns, [{ container: 'app', command: sh('echo real') }])],
    };
    const id = await submit(hookd.url, { pods: [{ namespace: ns, name: 'p' }], hooks });
    const job = await ended(hookd.url, id);
    assertNotRun(hookOf(job, 'p', 0), 'skipped', `pod ${ns}/p does not have container "nope"`);
    assert.equal(hookOf(job, 'p', 1).phase, 'succeeded');
    assert.deepEqual(podOf(job, 'p').warnings, [`pod ${ns}/p does not have container "nope": hook(s) ghost skipped (Velero discards them)`]);
    assert.deepEqual(execArrivals(sim, ns, 'p'), ['app']);
    assert.equal(job.status, 'completed', 'a skipped hook is not a failure (Velero drops it with a log line)');
    assert.deepEqual(job.summary, { pods: 1, hooksTotal: 2, hooksAttempted: 1, hooksSucceeded: 1, hooksFailed: 0, hooksPending: 0, hooksSkipped: 1 });
  });
});
