// The Executor over the simulated cluster's pods/exec WebSocket (v5/v4), with its own `ws`
// client: exit codes, output bounds, our deadline, refused upgrades, a socket that
// closes without a status, abort, and that nothing (socket, timer) outlives a call.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ExecOutcome, ExecRequest } from '../../src/queue/ports.ts';
import { createExecutor } from '../../src/kube/exec.ts';
import { logSink, manualPod, startSim, until } from './support.ts';
import type { SimEnv } from './support.ts';

let env: SimEnv;
const ns = `exec-${process.pid}`;

before(async () => {
  env = await startSim();
  env.sim.createNamespace(ns);
  env.sim.createPod(ns, manualPod('pod', ['app', 'idle']));
  env.sim.setContainerState(ns, 'pod', 'app', 'running', { ready: true });
  // 'idle' stays waiting: exec into it is refused as into a container that is not running.
});
after(async () => {
  await env.sim.stop();
});

const executor = () => createExecutor({ kc: env.kc, log: logSink('silent').log });

function req(over: Partial<ExecRequest> = {}): ExecRequest {
  return { namespace: ns, pod: 'pod', container: 'app', command: ['hook'], timeoutMs: 5_000, maxOutputBytes: 65_536, ...over };
}

function timers(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
}

async function run(r: ExecRequest, signal: AbortSignal = new AbortController().signal): Promise<ExecOutcome> {
  return executor().exec(r, signal);
}

async function noSessionLeft(): Promise<void> {
  await until('the exec session to close', () => env.sim.counters().exec.current === 0);
}

describe('Executor', () => {
  test('success: exit 0 with stdout; the command is passed as given', async () => {
    let seen: string[] = [];
    env.sim.scripts.set({ namespace: ns, pod: 'pod', container: 'app' }, (ctx) => {
      seen = ctx.command;
      return { exitCode: 0, stdout: 'hello\n' };
    });
    const out = await run(req({ command: ['/bin/sh', '-c', 'echo "a b"'] }));
    assert.deepEqual(out, { kind: 'exited', exitCode: 0, stdout: 'hello\n', stderr: '', truncated: false });
    assert.deepEqual(seen, ['/bin/sh', '-c', 'echo "a b"']);
    await noSessionLeft();
  });

  test('a non-zero exit code is the command exit, with stderr kept', async () => {
    env.sim.scripts.set({ namespace: ns, pod: 'pod', container: 'app' }, () => ({ exitCode: 3, stdout: 'partial', stderr: 'boom\n' }));
    assert.deepEqual(await run(req()), { kind: 'exited', exitCode: 3, stdout: 'partial', stderr: 'boom\n', truncated: false });
  });

  test('output beyond maxOutputBytes is cut on a character boundary and flagged', async () => {
    env.sim.scripts.set({ namespace: ns, pod: 'pod', container: 'app' }, () => ({ exitCode: 0, stdout: 'ab€€€', stderr: 'ok' }));
    const out = await run(req({ maxOutputBytes: 4 }));
    assert.equal(out.kind, 'exited');
    assert.equal(out.stdout, 'ab'); // "ab" + 2 of the 3 bytes of "€": the half character is dropped
    assert.equal(out.stderr, 'ok');
    assert.equal(out.truncated, true);
  });

  test('a Failure status that is not an exit code is an exec error with its message', async () => {
    env.sim.scripts.set({ namespace: ns, pod: 'pod', container: 'app' }, () => {
      throw new Error('no such binary');
    });
    const out = await run(req());
    assert.equal(out.kind, 'error');
    if (out.kind === 'error') {
      assert.equal(out.code, 'KUBE_ERROR');
      assert.match(out.message, /no such binary/);
    }
  });

  test('our deadline: a hanging command is a timeout, the socket is closed, no timer is left', async () => {
    env.sim.scripts.set({ namespace: ns, pod: 'pod', container: 'app' }, () => ({ exitCode: 0, stdout: 'started\n', hang: true }));
    const before = timers();
    const t0 = Date.now();
    const out = await run(req({ timeoutMs: 300 }));
    const took = Date.now() - t0;
    assert.equal(out.kind, 'timeout');
    assert.ok(took >= 290 && took < 2_000, `took ${took} ms`);
    await noSessionLeft();
    assert.ok(timers() <= before, 'no timer outlives the exec');
  });

  test('the sim hang fault (no answer at all) also ends at our deadline', async () => {
    env.sim.scripts.clear();
    const id = env.sim.faults.add({ kind: 'exec', mode: 'hang', match: { namespace: ns, name: 'pod' }, times: 1 });
    try {
      const out = await run(req({ timeoutMs: 250 }));
      assert.equal(out.kind, 'timeout');
      await noSessionLeft();
    } finally {
      env.sim.faults.remove(id);
    }
  });

  test('a socket closed without a status frame: error, outcome unknown, output kept', async () => {
    env.sim.scripts.set({ namespace: ns, pod: 'pod', container: 'app' }, () => ({ exitCode: 0, stdout: 'half', noStatus: true }));
    const out = await run(req());
    assert.equal(out.kind, 'error');
    if (out.kind === 'error') {
      assert.equal(out.code, 'KUBE_UNAVAILABLE');
      assert.match(out.message, /connection closed before the command's exit status arrived; outcome unknown/);
      assert.equal(out.stdout, 'half');
    }
  });

  test('exec into a missing pod: KUBE_NOT_FOUND with the API server message', async () => {
    const out = await run(req({ pod: 'nope' }));
    assert.equal(out.kind, 'error');
    if (out.kind === 'error') {
      assert.equal(out.code, 'KUBE_NOT_FOUND');
      assert.match(out.message, /exec in .*\/nope container app: pod not found \(HTTP 404\)/);
      assert.match(out.message, /nope/);
    }
  });

  test('exec into a missing container or one not running: KUBE_BAD_REQUEST naming it', async () => {
    for (const container of ['missing', 'idle']) {
      const out = await run(req({ container }));
      assert.equal(out.kind, 'error', container);
      if (out.kind === 'error') {
        assert.equal(out.code, 'KUBE_BAD_REQUEST');
        assert.match(out.message, /container not found or not running \(HTTP 400\): .+/);
        assert.match(out.message, new RegExp(container));
      }
    }
  });

  test('abort closes the socket and rejects with the reason', async () => {
    env.sim.scripts.set({ namespace: ns, pod: 'pod', container: 'app' }, () => ({ exitCode: 0, hang: true }));
    const controller = new AbortController();
    const p = run(req({ timeoutMs: 30_000 }), controller.signal);
    await until('the session', () => env.sim.counters().exec.current === 1);
    const reason = new Error('cancelled by the job');
    controller.abort(reason);
    await assert.rejects(p, (e) => e === reason);
    await noSessionLeft();
    await assert.rejects(run(req(), AbortSignal.abort(new Error('early'))), /early/);
  });

  test('pings keep a long exec alive and are answered', async () => {
    env.sim.scripts.set({ namespace: ns, pod: 'pod', container: 'app' }, () => ({ exitCode: 0, stdout: 'late', delayMs: 600 }));
    const ex = createExecutor({ kc: env.kc, log: logSink('silent').log, pingIntervalMs: 100 });
    const out = await ex.exec(req(), new AbortController().signal);
    assert.deepEqual(out, { kind: 'exited', exitCode: 0, stdout: 'late', stderr: '', truncated: false });
  });

  test('an unreachable API server is an error, not a hang', async () => {
    const { loadKubeConfig } = await import('../../src/kube/kubeconfig.ts');
    const text = env.sim.kubeconfig.replace(env.sim.url, 'https://127.0.0.1:1');
    const { kc } = loadKubeConfig({ kind: 'kubeconfig-text', text });
    const out = await createExecutor({ kc, log: logSink('silent').log }).exec(req(), new AbortController().signal);
    assert.equal(out.kind, 'error');
    if (out.kind === 'error') assert.equal(out.code, 'KUBE_UNAVAILABLE');
  });

  test('many execs in a row leave no timers behind', async () => {
    env.sim.scripts.set({ namespace: ns, pod: 'pod', container: 'app' }, () => ({ exitCode: 0, stdout: 'x' }));
    await run(req()); // warm-up: agents and the like
    const before = timers();
    for (let i = 0; i < 20; i++) assert.equal((await run(req())).kind, 'exited');
    await run(req({ pod: 'nope' }));
    await run(req({ container: 'missing' }));
    await noSessionLeft();
    assert.ok(timers() <= before, `timers before ${before}, after ${timers()}`);
  });
});
