// HOOKD_ROLE=api and two HOOKD_ROLE=worker processes against one Redis: the pods of one
// job are shared between the workers, and every hook runs exactly once.

import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { after, before, test } from 'node:test';
import { api, startHookd, waitForJobEnd, type TestHookd } from '../helpers/hookd.ts';
import { collectJsonLines } from '../helpers/json-lines.ts';
import { TEST_REDIS_URL } from '../helpers/redis.ts';
import { startSim, type StartedSim } from '../helpers/start-sim.ts';

const NS = 'twoworkers';
const PODS = 12;

interface WorkerProc {
  child: ChildProcess;
  lines: Array<Record<string, unknown>>;
}

function startWorker(prefix: string, kubeconfigPath: string): WorkerProc {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      REDIS_URL: TEST_REDIS_URL,
      HOOKD_REDIS_EMBEDDED: 'never',
      HOOKD_REDIS_PREFIX: prefix,
      HOOKD_ROLE: 'worker',
      HOOKD_PORT: '0',
      HOOKD_KUBE: 'kubeconfig',
      KUBECONFIG: kubeconfigPath,
      HOOKD_POD_CONCURRENCY: '2',
      HOOKD_LOG_LEVEL: 'info',
      HOOKD_SHUTDOWN_TIMEOUT: '5s',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return { child, lines: collectJsonLines(child.stdout) };
}

async function untilLine(w: WorkerProc, msg: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!w.lines.some((l) => l.msg === msg)) {
    if (w.child.exitCode !== null) throw new Error(`worker exited with ${w.child.exitCode}`);
    if (Date.now() > deadline) throw new Error(`worker never logged "${msg}"`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const env: StartedSim = await startSim({ lifecycle: { scheduleMs: 5, startMs: 5, readyMs: 5 } });
let hookd: TestHookd;
const workers: WorkerProc[] = [];

before(async () => {
  hookd = await startHookd({ kubeconfig: env.sim.kubeconfig, env: { HOOKD_ROLE: 'api' } });
  env.sim.createNamespace(NS);
  for (let i = 0; i < PODS; i++) {
    env.sim.createPod(NS, {
      metadata: {
        name: `p-${i}`,
        labels: { group: 'two-workers' },
        annotations: { 'post.hook.restore.velero.io/command': '["/bin/sh", "-c", "sleep 0.2; echo ran on $HOSTNAME"]' },
      },
      spec: { containers: [{ name: 'c', image: 'x' }] },
    });
  }
  workers.push(startWorker(hookd.prefix, env.kubeconfigPath), startWorker(hookd.prefix, env.kubeconfigPath));
  await Promise.all(workers.map((w) => untilLine(w, 'workers started')));
});

after(async () => {
  for (const w of workers) {
    if (w.child.exitCode === null) {
      w.child.kill('SIGTERM');
      await once(w.child, 'exit');
    }
  }
  await hookd?.stop();
});

test('two worker processes share one job and run every hook exactly once', async () => {
  env.sim.resetCounters();
  const post = await api<{ id: string }>(hookd.url, 'POST', '/v1/jobs', {
    selector: { namespaces: [NS], labelSelector: 'group=two-workers' },
  });
  assert.equal(post.status, 202);
  const job = await waitForJobEnd<{ status: string; summary: { hooksSucceeded: number }; pods: Array<{ name: string; hooks: Array<{ stdout: string }> }> }>(
    hookd.url,
    post.body.id,
  );
  assert.equal(job.status, 'completed');
  assert.equal(job.summary.hooksSucceeded, PODS);
  assert.deepEqual(
    job.pods.map((p) => p.name),
    Array.from({ length: PODS }, (_, i) => `p-${i}`).sort(),
    'selected pods are listed by name',
  );
  for (const p of job.pods) assert.equal(p.hooks[0]?.stdout, `ran on ${p.name}\n`);

  assert.equal(env.sim.counters().exec.started, PODS, 'one exec per hook, none repeated');
  const watches = env.sim.counters().watches.byNamespace[NS];
  assert.ok((watches?.max ?? 0) <= 2, `at most one pod watch per namespace per worker (saw ${watches?.max})`);
  const ranBy = workers.map((w) => w.lines.filter((l) => l.msg === 'hook finished' && l.jobId === post.body.id).length);
  assert.equal(ranBy[0]! + ranBy[1]!, PODS);
  assert.ok(ranBy[0]! > 0 && ranBy[1]! > 0, `both workers ran hooks (${ranBy.join(' + ')})`);
  for (const w of workers) {
    for (const l of w.lines.filter((l) => l.msg === 'hook finished')) assert.equal(l.stdout, undefined, 'output not logged');
  }
});

test('a worker-only process answers /healthz and serves its hook metrics', async () => {
  const line = workers[0]?.lines.find((l) => l.msg === 'worker serving /healthz and /metrics');
  assert.ok(line && typeof line.url === 'string', 'the worker logs where it listens');
  const health = await fetch(`${line.url}/healthz`);
  assert.equal(health.status, 200);
  const text = await (await fetch(`${line.url}/metrics`)).text();
  assert.match(text, /hookd_hooks_total\{phase="succeeded"\} \d+/);
  assert.match(text, /hookd_hook_exec_duration_seconds_count \d+/);
  assert.equal((await fetch(`${line.url}/v1/jobs`)).status, 404);
});
