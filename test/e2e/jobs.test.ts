// The whole service on the simulated cluster and real Redis: a job of three pods with two
// containers each, whose hooks succeed, fail with an exit code, time out, wait for a pod
// that becomes Running later, and meet a pod deleted while waiting.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { api, startHookd, waitForJobEnd, type TestHookd } from '../helpers/hookd.ts';
import { startSim, type StartedSim } from '../helpers/start-sim.ts';

interface Hook {
  name: string;
  container: string;
  phase: string;
  exitCode: number | null;
  stdout: string;
  stderr: string;
  error: string | null;
  startedAt: string | null;
  durationMs: number | null;
  onError: string;
  source: string;
}
interface Pod {
  namespace: string;
  name: string;
  status: string;
  error: string | null;
  warnings: string[];
  hooks: Hook[];
}
interface Job {
  id: string;
  status: string;
  finishedAt: string | null;
  summary: Record<string, number>;
  pods: Pod[];
}

const NS = 'e2e';
const MANUAL = { 'sim.hookd.io/lifecycle': 'manual' };

function podManifest(name: string, app: string, annotations: Record<string, string> = {}): object {
  return {
    metadata: { name, labels: { app }, annotations },
    spec: { containers: [{ name: 'app', image: 'x' }, { name: 'side', image: 'x' }] },
  };
}

/** Polls until `pred` holds for the job view (the API is what a client would poll). */
async function until(base: string, id: string, pred: (j: Job) => boolean, what: string): Promise<Job> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const { body } = await api<Job>(base, 'GET', `/v1/jobs/${id}`);
    if (pred(body)) return body;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(body).slice(0, 1500)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

// Started at module level so its cleanup is registered with the file, not with a hook.
const env: StartedSim = await startSim({ lifecycle: { scheduleMs: 10, startMs: 10, readyMs: 10 } });

describe('a job of three pods, end to end', () => {
  let hookd: TestHookd;

  before(async () => {
    hookd = await startHookd({ kubeconfig: env.sim.kubeconfig });
    env.sim.createNamespace(NS);
    // alpha: up at once; its app hook succeeds with output, its side hook exits 7.
    env.sim.createPod(NS, podManifest('alpha', 'alpha'));
    // beta: Pending until the test starts it; its app hook hangs past its 1s exec timeout.
    env.sim.createPod(NS, podManifest('beta', 'beta', MANUAL));
    // gamma: Pending, then deleted while its hooks wait.
    env.sim.createPod(NS, podManifest('gamma', 'gamma', MANUAL));
    env.sim.scripts.set({ namespace: NS, pod: 'beta', container: 'app' }, () => ({ exitCode: 0, hang: true }));
  });
  after(async () => {
    await hookd?.stop();
  });

  test('hooks succeed, fail, time out, wait for Running, and fail on deletion', async () => {
    const hooks = {
      resources: [
        {
          name: 'app-hook',
          includedNamespaces: [NS],
          postHooks: [{ exec: { container: 'app', command: ['/bin/sh', '-c', 'echo hello from $HOSTNAME'], execTimeout: '1s' } }],
        },
        {
          name: 'side-hook',
          includedNamespaces: [NS],
          labelSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['alpha'] }] },
          postHooks: [{ exec: { container: 'side', command: ['/bin/sh', '-c', 'echo broken >&2; exit 7'] } }],
        },
        {
          name: 'side-ok',
          includedNamespaces: [NS],
          labelSelector: { matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['alpha'] }] },
          postHooks: [{ exec: { container: 'side', command: ['/bin/sh', '-c', 'echo side ready'], waitTimeout: '1m' } }],
        },
      ],
    };
    const post = await api<{ id: string; status: string; links: { self: string } }>(hookd.url, 'POST', '/v1/jobs', {
      restore: 'e2e-restore',
      pods: [
        { namespace: NS, name: 'alpha' },
        { namespace: NS, name: 'beta' },
        { namespace: NS, name: 'gamma' },
      ],
      hooks,
    });
    assert.equal(post.status, 202);
    assert.equal(post.body.status, 'queued');
    assert.equal(post.body.links.self, `/v1/jobs/${post.body.id}`);
    assert.equal(post.headers.get('location'), `/v1/jobs/${post.body.id}`);
    const id = post.body.id;

    // beta and gamma wait for their containers; alpha finishes on its own.
    await until(
      hookd.url,
      id,
      (j) => j.pods.slice(1).every((p) => p.hooks.length === 2 && p.hooks.every((h) => h.phase === 'waiting')),
      'beta and gamma waiting',
    );
    env.sim.setContainerState(NS, 'beta', 'app', 'running', { ready: true });
    env.sim.setContainerState(NS, 'beta', 'side', 'running', { ready: true });
    env.sim.deletePod(NS, 'gamma');

    const job = await waitForJobEnd<Job>(hookd.url, id);
    assert.equal(job.status, 'partially_failed');
    const [alpha, beta, gamma] = job.pods;
    assert.ok(alpha && beta && gamma);
    assert.deepEqual(
      job.pods.map((p) => p.name),
      ['alpha', 'beta', 'gamma'],
      'pods in the order given',
    );

    // alpha: app succeeds with the pod's hostname in its output; side exits 7.
    assert.deepEqual(alpha.hooks.map((h) => [h.name, h.container, h.phase]), [
      ['app-hook', 'app', 'succeeded'],
      ['side-hook', 'side', 'failed'],
    ]);
    assert.equal(alpha.hooks[0]?.exitCode, 0);
    assert.equal(alpha.hooks[0]?.stdout, 'hello from alpha\n');
    assert.equal(alpha.hooks[0]?.source, 'spec');
    assert.equal(alpha.hooks[0]?.onError, 'Continue');
    assert.equal(alpha.hooks[1]?.exitCode, 7);
    assert.equal(alpha.hooks[1]?.stderr, 'broken\n');
    assert.match(alpha.hooks[1]?.error ?? '', /exit code 7/);
    assert.equal(alpha.status, 'failed');

    // beta: the hanging hook times out after 1s; the side hook ran once the pod was Running.
    assert.equal(beta.hooks[0]?.phase, 'failed');
    assert.equal(beta.hooks[0]?.exitCode, null);
    assert.match(beta.hooks[0]?.error ?? '', /timed out after 1s/);
    assert.equal(beta.hooks[1]?.phase, 'succeeded');
    assert.equal(beta.hooks[1]?.stdout, 'side ready\n');

    // gamma: deleted while waiting; neither hook ran.
    for (const h of gamma.hooks) {
      assert.equal(h.phase, 'failed');
      assert.match(h.error ?? '', /deleted/);
      assert.equal(h.startedAt, null);
      assert.equal(h.exitCode, null);
      assert.equal(h.durationMs, null);
    }

    assert.deepEqual(job.summary, {
      pods: 3,
      hooksTotal: 6,
      hooksAttempted: 4,
      hooksSucceeded: 2,
      hooksFailed: 4,
      hooksPending: 0,
      hooksSkipped: 0,
    });

    // Every log line about this job's work names the job; hook lines name pod, container and hook.
    const jobLines = hookd.logs.lines.filter((l) => l.jobId === id);
    assert.ok(jobLines.length > 0);
    for (const l of jobLines.filter((l) => l.msg === 'hook finished' || l.msg === 'hook started')) {
      assert.equal(typeof l.pod, 'string');
      assert.equal(typeof l.container, 'string');
      assert.equal(typeof l.hook, 'string');
    }
    const allText = JSON.stringify(hookd.logs.lines);
    assert.ok(!allText.includes('hello from alpha'), 'hook output is never logged');
    assert.ok(!allText.includes(env.sim.token), 'the bearer token is never logged');
  });

  test('an explicit pod that does not exist fails that pod with "not found"', async () => {
    const post = await api<{ id: string }>(hookd.url, 'POST', '/v1/jobs', { pods: [{ namespace: NS, name: 'nobody' }] });
    assert.equal(post.status, 202);
    const job = await waitForJobEnd<Job>(hookd.url, post.body.id);
    assert.equal(job.status, 'partially_failed');
    assert.equal(job.pods[0]?.status, 'failed');
    assert.match(job.pods[0]?.error ?? '', /not found/);
  });
});
