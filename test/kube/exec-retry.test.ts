// An exec refused before it started (429, 5xx on the upgrade) is tried again with backoff
// and Retry-After, within a budget; the command runs once. After the budget, the hook's
// error says it never started. Once a shutdown has begun, no new try is made.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createExecutor } from '../../src/kube/exec.ts';
import type { ExecRequest } from '../../src/queue/ports.ts';
import { logSink, manualPod, startSim } from './support.ts';
import type { SimEnv } from './support.ts';

let env: SimEnv;
const ns = `exec-retry-${process.pid}`;
const fast = { tries: 4, budgetMs: 5_000, baseMs: 20, maxDelayMs: 100, maxRetryAfterMs: 1_500 };

before(async () => {
  env = await startSim();
  env.sim.createNamespace(ns);
  env.sim.createPod(ns, manualPod('pod', ['app']));
  env.sim.setContainerState(ns, 'pod', 'app', 'running', { ready: true });
});
after(async () => {
  await env.sim.stop();
});

const req: ExecRequest = { namespace: ns, pod: 'pod', container: 'app', command: ['hook'], timeoutMs: 5_000, maxOutputBytes: 1024 };

test('refused twice (503, then 429 with Retry-After 1), then run once', async () => {
  let runs = 0;
  env.sim.scripts.set({ namespace: ns, pod: 'pod', container: 'app' }, () => {
    runs++;
    return { exitCode: 0, stdout: 'ran\n' };
  });
  const f1 = env.sim.faults.add({ kind: 'error', status: 503, match: { verb: 'exec', namespace: ns }, times: 1 });
  let retries = 0;
  const executor = createExecutor({ kc: env.kc, log: logSink('silent').log, retry: fast, onRetry: () => retries++ });
  const started = Date.now();
  const first = executor.exec(req, new AbortController().signal);
  // The 429 rule comes after the 503 has fired once.
  await new Promise((r) => setTimeout(r, 5));
  const f2 = env.sim.faults.add({ kind: 'error', status: 429, match: { verb: 'exec', namespace: ns }, times: 1 });
  const out = await first;
  env.sim.faults.remove(f1);
  env.sim.faults.remove(f2);
  assert.deepEqual(out, { kind: 'exited', exitCode: 0, stdout: 'ran\n', stderr: '', truncated: false });
  assert.equal(runs, 1, 'the command ran once');
  assert.equal(retries, 2);
  assert.ok(Date.now() - started >= 900, 'Retry-After was honoured');
});

test('refused every time: the hook fails after the budget, saying the command never started', async () => {
  let runs = 0;
  env.sim.scripts.set({ namespace: ns, pod: 'pod', container: 'app' }, () => {
    runs++;
    return { exitCode: 0 };
  });
  const f = env.sim.faults.add({ kind: 'error', status: 500, match: { verb: 'exec', namespace: ns } });
  try {
    const out = await createExecutor({ kc: env.kc, log: logSink('silent').log, retry: { ...fast, maxRetryAfterMs: 0 } }).exec(req, new AbortController().signal);
    assert.equal(out.kind, 'error');
    assert.match(out.kind === 'error' ? out.message : '', /HTTP 500.*refused 4 times in \d+ s; the command never started/);
    assert.equal(runs, 0);
  } finally {
    env.sim.faults.remove(f);
  }
});

test('a 403 is not tried again; once a shutdown has begun, a refused exec is not either', async () => {
  const f = env.sim.faults.add({ kind: 'error', status: 503, match: { verb: 'exec', namespace: ns } });
  let retries = 0;
  const executor = createExecutor({ kc: env.kc, log: logSink('silent').log, retry: fast, onRetry: () => retries++ });
  try {
    const shutdown = new AbortController();
    shutdown.abort(new Error('SIGTERM'));
    const out = await executor.exec(req, new AbortController().signal, shutdown.signal);
    assert.equal(out.kind, 'error');
    assert.ok(out.kind === 'error' && out.notStarted !== undefined, 'reported as never started');
    assert.equal(retries, 0);
  } finally {
    env.sim.faults.remove(f);
  }
  const refused = await executor.exec({ ...req, container: 'nope' }, new AbortController().signal);
  assert.equal(refused.kind, 'error');
  assert.equal(refused.kind === 'error' ? refused.notStarted : 'x', undefined, 'a container that does not exist is no reason to try again');
  assert.equal(retries, 0);
});
