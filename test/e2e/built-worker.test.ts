// The worker as production runs it: `npm run build`'s dist/main.js on plain Node, whose
// client library is the bundle the build makes (only the part of @kubernetes/client-node
// hookd names), with the node flags the Helm chart gives a worker (node refuses to start on a
// flag it does not know). It lists and watches pods, reads its credentials and execs hooks
// through that bundle, and never loads the library's own files.

import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { chartWorkerRuntime } from '../../bench/chart-defaults.ts';
import { api, startHookd, waitForJobEnd, type TestHookd } from '../helpers/hookd.ts';
import { collectJsonLines } from '../helpers/json-lines.ts';
import { buildApp } from '../helpers/kubectl-hookd.ts';
import { TEST_REDIS_URL } from '../helpers/redis.ts';
import { startSim, type StartedSim } from '../helpers/start-sim.ts';

const NS = 'builtworker';
const PODS = 4;
// One key for both processes, as one installation has (the worker runs in another folder).
const SPEC_KEY = 'built-worker-test-spec-key-0123456789abcdef';

// Preloaded into the worker: records every module it resolves inside the library's package.
const RECORDER = `import { registerHooks } from 'node:module';
import { appendFileSync } from 'node:fs';
registerHooks({
  resolve(specifier, context, next) {
    const r = next(specifier, context);
    if (r.url.includes('/@kubernetes/client-node/')) appendFileSync(process.env.LOADED_LOG, r.url + '\\n');
    return r;
  },
});
`;

const env: StartedSim = await startSim({ lifecycle: { scheduleMs: 5, startMs: 5, readyMs: 5 } });
let hookd: TestHookd;
let built: { dir: string; app: string };
let worker: ChildProcess;
let lines: Array<Record<string, unknown>> = [];
let loadedLog = '';

before(async () => {
  built = await buildApp('hookd-built-worker-');
  const recorder = join(built.dir, 'record-loads.mjs');
  writeFileSync(recorder, RECORDER);
  loadedLog = join(built.dir, 'loaded.txt');
  hookd = await startHookd({ kubeconfig: env.sim.kubeconfig, env: { HOOKD_ROLE: 'api', HOOKD_SPEC_KEY: SPEC_KEY } });
  env.sim.createNamespace(NS);
  for (let i = 0; i < PODS; i++) {
    env.sim.createPod(NS, {
      metadata: { name: `p-${i}`, labels: { group: 'built' }, annotations: { 'post.hook.restore.velero.io/command': '["/bin/sh", "-c", "echo built $HOSTNAME"]' } },
      spec: { containers: [{ name: 'c', image: 'x' }] },
    });
  }
  const chart = chartWorkerRuntime();
  const flags = chart.nodeArgs;
  worker = spawn(process.execPath, [...flags, '--import', recorder, 'dist/main.js'], {
    cwd: built.app,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: built.dir,
      LOADED_LOG: loadedLog,
      REDIS_URL: TEST_REDIS_URL,
      HOOKD_REDIS_EMBEDDED: 'never',
      HOOKD_REDIS_PREFIX: hookd.prefix,
      HOOKD_ROLE: 'worker',
      HOOKD_SPEC_KEY: SPEC_KEY,
      HOOKD_PORT: '0',
      HOOKD_KUBE: 'kubeconfig',
      KUBECONFIG: env.kubeconfigPath,
      HOOKD_LOG_LEVEL: 'info',
      HOOKD_SHUTDOWN_TIMEOUT: '5s',
      ...chart.env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  lines = collectJsonLines(worker.stdout);
  const deadline = Date.now() + 30_000;
  while (!lines.some((l) => l.msg === 'workers started')) {
    if (worker.exitCode !== null) throw new Error(`the built worker exited with ${worker.exitCode}`);
    if (Date.now() > deadline) throw new Error('the built worker never logged "workers started"');
    await new Promise((r) => setTimeout(r, 50));
  }
});

after(async () => {
  if (worker !== undefined && worker.exitCode === null) {
    worker.kill('SIGTERM');
    await once(worker, 'exit');
  }
  await hookd?.stop();
  if (built !== undefined) rmSync(built.dir, { recursive: true, force: true });
});

test("the built worker runs every hook through the bundled client library, never loading the library's files", async () => {
  const bundle = readFileSync(join(built.app, 'dist', 'kube', 'client-node.js'), 'utf8');
  assert.doesNotMatch(bundle, /from ["']@kubernetes\/client-node["']/, 'the build replaced the re-export by a bundle');

  const post = await api<{ id: string }>(hookd.url, 'POST', '/v1/jobs', { selector: { namespaces: [NS], labelSelector: 'group=built' } });
  assert.equal(post.status, 202);
  const job = await waitForJobEnd<{ status: string; summary: { hooksSucceeded: number }; pods: Array<{ name: string; hooks: Array<{ stdout: string }> }> }>(hookd.url, post.body.id);
  assert.equal(job.status, 'completed', JSON.stringify(job).slice(0, 2000));
  assert.equal(job.summary.hooksSucceeded, PODS);
  for (const p of job.pods) assert.equal(p.hooks[0]?.stdout, `built ${p.name}\n`);
  assert.equal(lines.filter((l) => l.msg === 'hook finished' && l.jobId === post.body.id).length, PODS, 'the built worker ran them');

  const loaded = existsSync(loadedLog) ? readFileSync(loadedLog, 'utf8').trim() : '';
  assert.equal(loaded, '', 'no module of @kubernetes/client-node was loaded');
});
