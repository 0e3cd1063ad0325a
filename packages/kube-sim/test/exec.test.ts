// Exec over WebSocket through client-node's Exec and through a raw `ws` client (to see
// every frame, the subprotocol, pings and the HTTP answer of a refused upgrade): real
// processes with their folder and HOSTNAME, the status channel, stdin with v5's close
// signal, v4, scripted handlers, hangs, and processes killed with their pod.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { startSim } from '../../../test/helpers/start-sim.ts';
import { podManifest, runExec } from './support.ts';

const { sim, kc } = await startSim({ execPingIntervalMs: 50, lifecycle: { scheduleMs: 5, startMs: 5, readyMs: 5 } });
sim.createNamespace('ex');
for (const name of ['p', 'q']) {
  sim.createPod('ex', podManifest(name, { containers: ['app', 'side'], manual: true }));
  sim.setContainerState('ex', name, 'app', 'running', { ready: true });
  sim.setContainerState('ex', name, 'side', 'running', { ready: true });
}

interface RawExec {
  protocol: string;
  frames: Buffer[];
  pings: number;
  closeCode: number;
}

/** A raw exec: every frame as received, the negotiated protocol, pings, the close code. */
function rawExec(path: string, protocols: string[], opts: { closeAfterMs?: number } = {}): Promise<RawExec> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${sim.url.replace('https', 'wss')}${path}`, protocols, { ca: sim.ca, headers: { authorization: `Bearer ${sim.token}` } });
    const frames: Buffer[] = [];
    let pings = 0;
    ws.on('message', (data: Buffer) => frames.push(data));
    ws.on('ping', () => pings++);
    ws.on('open', () => {
      if (opts.closeAfterMs !== undefined) setTimeout(() => ws.close(1000), opts.closeAfterMs);
    });
    ws.on('close', (code) => resolve({ protocol: ws.protocol, frames, pings, closeCode: code }));
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString('utf8')));
      res.on('end', () => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { statusCode: res.statusCode, body: JSON.parse(body) as unknown })));
    });
    ws.on('error', (err) => reject(err));
  });
}

/** An exec whose stdout lines and status can be awaited while it runs. */
function openExec(target: { url: string; ca: string; token: string }, path: string) {
  const ws = new WebSocket(`${target.url.replace('https', 'wss')}${path}`, ['v5.channel.k8s.io'], { ca: target.ca, headers: { authorization: `Bearer ${target.token}` } });
  let out = '';
  const waiting: Array<() => void> = [];
  const status = new Promise<{ details?: { causes?: unknown[] } }>((resolve) => {
    ws.on('message', (d: Buffer) => {
      if (d[0] === 1) out += d.subarray(1).toString('utf8');
      if (d[0] === 3) resolve(JSON.parse(d.subarray(1).toString('utf8')) as { details?: { causes?: unknown[] } });
      for (const w of waiting.splice(0)) w();
    });
  });
  return {
    status,
    async lines(n: number): Promise<string[]> {
      while (out.split('\n').length <= n) await new Promise<void>((r) => waiting.push(r));
      return out.split('\n').slice(0, n);
    },
  };
}

function execPath(pod: string, container: string, command: string[], extra = 'stdout=true&stderr=true'): string {
  return `/api/v1/namespaces/ex/pods/${pod}/exec?container=${container}&${extra}&${command.map((c) => `command=${encodeURIComponent(c)}`).join('&')}`;
}

describe('exec of a real process', () => {
  it('sends stdout, stderr, then a NonZeroExitCode status with the ExitCode cause, then closes with 1000', async () => {
    const r = await runExec(kc, 'ex', 'p', 'app', ['sh', '-c', 'echo hi; echo err >&2; exit 3']);
    assert.equal(r.stdout, 'hi\n');
    assert.equal(r.stderr, 'err\n');
    assert.equal(r.closeCode, 1000);
    assert.equal(r.status?.status, 'Failure');
    assert.equal(r.status?.reason, 'NonZeroExitCode');
    assert.deepEqual(r.status?.details?.causes, [{ reason: 'ExitCode', message: '3' }]);
  });

  it('reports Success for exit code 0', async () => {
    const r = await runExec(kc, 'ex', 'p', 'app', ['true']);
    assert.equal(r.status?.status, 'Success');
    assert.equal(r.status?.reason, undefined);
  });

  it('runs in a per-container folder that keeps files between execs, with HOSTNAME set to the pod', async () => {
    const write = await runExec(kc, 'ex', 'p', 'app', ['sh', '-c', 'echo saved > hook.txt; echo "$HOSTNAME"; pwd']);
    assert.equal(write.status?.status, 'Success');
    const [hostname, dir] = write.stdout.trim().split('\n');
    assert.equal(hostname, 'p');
    assert.equal((await runExec(kc, 'ex', 'p', 'app', ['cat', 'hook.txt'])).stdout, 'saved\n');
    const side = await runExec(kc, 'ex', 'p', 'side', ['sh', '-c', 'pwd; ls']);
    assert.notEqual(side.stdout.split('\n')[0], dir, 'each container has its own folder');
    assert.equal(side.stdout.split('\n')[1], '');
    assert.equal((await runExec(kc, 'ex', 'q', 'app', ['ls'])).stdout, '', 'and each pod');
  });

  it('passes argv without a shell', async () => {
    const r = await runExec(kc, 'ex', 'p', 'app', ['echo', '$HOME', '*', 'a;b']);
    assert.equal(r.stdout, '$HOME * a;b\n');
  });

  it('feeds stdin and closes it on the v5 close signal', async () => {
    const r = await runExec(kc, 'ex', 'p', 'app', ['cat'], Readable.from([Buffer.from('line one\n'), Buffer.from('line two\n')]));
    assert.equal(r.stdout, 'line one\nline two\n');
    assert.equal(r.status?.status, 'Success');
  });

  it('delivers large output whole', async () => {
    const r = await runExec(kc, 'ex', 'p', 'app', ['head', '-c', '3000000', '/dev/zero']);
    assert.equal(r.stdout.length, 3_000_000);
    assert.equal(r.status?.status, 'Success');
  });

  it('answers a command that cannot start with an InternalError status', async () => {
    const r = await runExec(kc, 'ex', 'p', 'app', ['no-such-command-xyz']);
    assert.equal(r.status?.status, 'Failure');
    assert.equal(r.status?.reason, 'InternalError');
    assert.match(r.status?.message ?? '', /executable file not found in \$PATH/);
  });

  it('kills the process and removes the folder when the pod is deleted', async () => {
    sim.createPod('ex', podManifest('doomed', { manual: true }));
    sim.setContainerState('ex', 'doomed', 'app', 'running');
    const session = openExec(sim, '/api/v1/namespaces/ex/pods/doomed/exec?container=app&stdout=true&command=sh&command=-c&command=' + encodeURIComponent('pwd; echo $$; exec sleep 30'));
    const [dir = '', pid = ''] = (await session.lines(2)).map((l) => l.trim());
    sim.deletePod('ex', 'doomed');
    const status = await session.status;
    assert.deepEqual(status.details?.causes, [{ reason: 'ExitCode', message: '137' }]);
    assert.throws(() => process.kill(Number(pid), 0), { code: 'ESRCH' });
    assert.equal(existsSync(dir), false);
  });
});

describe('exec protocol', () => {
  it('negotiates v5, pings a long exec, and never sends channel 255', async () => {
    const r = await rawExec(execPath('p', 'app', ['sh', '-c', 'echo a; sleep 0.3; echo b >&2']), ['v5.channel.k8s.io', 'v4.channel.k8s.io']);
    assert.equal(r.protocol, 'v5.channel.k8s.io');
    assert.ok(r.pings >= 2, `pings: ${r.pings}`);
    assert.deepEqual(r.frames.map((f) => f[0]), [1, 2, 3]);
    assert.equal(r.closeCode, 1000);
  });

  it('speaks v4 when only v4 is offered', async () => {
    const r = await rawExec(execPath('p', 'app', ['sh', '-c', 'exit 7']), ['v4.channel.k8s.io']);
    assert.equal(r.protocol, 'v4.channel.k8s.io');
    const status = JSON.parse(r.frames.at(-1)!.subarray(1).toString('utf8')) as { details: { causes: unknown[] } };
    assert.equal(r.frames.at(-1)![0], 3);
    assert.deepEqual(status.details.causes, [{ reason: 'ExitCode', message: '7' }]);
  });

  it('refuses an unknown pod (404), an unknown container and one not running (400) with the API server messages', async () => {
    sim.createPod('ex', podManifest('pending', { manual: true }));
    const cases: Array<[string, number, string]> = [
      [execPath('ghost', 'app', ['true']), 404, 'pods "ghost" not found'],
      [execPath('p', 'nope', ['true']), 400, 'container nope is not valid for pod p'],
      [execPath('pending', 'app', ['true']), 400, 'container not found ("app")'],
      [execPath('p', 'app', ['true'], 'stdout=false'), 400, 'you must specify at least 1 of stdin, stdout, stderr'],
    ];
    for (const [path, code, message] of cases) {
      await assert.rejects(rawExec(path, ['v5.channel.k8s.io']), (err: { statusCode: number; body: { message: string; kind: string } }) => {
        assert.equal(err.statusCode, code);
        assert.equal(err.body.kind, 'Status');
        assert.equal(err.body.message, message);
        return true;
      });
    }
  });
});

describe('scripted exec handlers', () => {
  it('answers from the most specific handler, with output, exit code and delay', async () => {
    sim.createNamespace('sc');
    sim.createPod('sc', podManifest('s1', { containers: ['a', 'b'] }));
    sim.createPod('sc', podManifest('s2'));
    await new Promise((r) => setTimeout(r, 50));
    sim.scripts.set({ namespace: 'sc' }, () => ({ exitCode: 0, stdout: 'namespace\n' }));
    sim.scripts.set({ namespace: 'sc', pod: 's1' }, () => ({ exitCode: 0, stdout: 'pod\n' }));
    const calls: string[][] = [];
    sim.scripts.set({ namespace: 'sc', pod: 's1', container: 'b' }, async (ctx) => {
      calls.push(ctx.command);
      return { exitCode: 4, stdout: 'out', stderr: 'oops', delayMs: 30 };
    });
    assert.equal((await runExec(kc, 'sc', 's2', 'app', ['x'])).stdout, 'namespace\n');
    assert.equal((await runExec(kc, 'sc', 's1', 'a', ['x'])).stdout, 'pod\n');
    const started = Date.now();
    const b = await runExec(kc, 'sc', 's1', 'b', ['run', 'it']);
    assert.ok(Date.now() - started >= 25);
    assert.deepEqual([b.stdout, b.stderr, b.status?.details?.causes?.[0]?.message], ['out', 'oops', '4']);
    assert.deepEqual(calls, [['run', 'it']]);
    const counters = sim.counters().exec;
    assert.ok(counters.scripted >= 3);
  });

  it('hangs without an answer until the client leaves, and closes without a status for noStatus', async () => {
    sim.scripts.set({ namespace: 'sc', pod: 's2' }, (ctx) => (ctx.command[0] === 'hang' ? { exitCode: 0, hang: true } : { exitCode: 0, stdout: 'x', noStatus: true }));
    const hang = await rawExec(`/api/v1/namespaces/sc/pods/s2/exec?stdout=true&command=hang`, ['v5.channel.k8s.io'], { closeAfterMs: 200 });
    assert.deepEqual(hang.frames, []);
    assert.ok(hang.pings >= 1, 'a hanging exec is still pinged');
    const noStatus = await rawExec(`/api/v1/namespaces/sc/pods/s2/exec?stdout=true&command=quiet`, ['v5.channel.k8s.io']);
    assert.deepEqual(noStatus.frames.map((f) => f[0]), [1]);
    assert.equal(noStatus.closeCode, 1000);
    sim.scripts.clear();
    const real = await runExec(kc, 'sc', 's2', 'app', ['echo', 'real again']);
    assert.equal(real.stdout, 'real again\n');
  });

  it('records exec arrivals on the timeline after the container started running', async () => {
    const t = sim.timeline();
    const ran = t.containerRunning.find((e) => e.namespace === 'sc' && e.pod === 's1' && e.container === 'b');
    const arrived = t.execArrived.find((e) => e.namespace === 'sc' && e.pod === 's1' && e.container === 'b');
    assert.ok(ran && arrived);
    assert.ok(arrived.atMs > ran.atMs);
  });
});

// Killed at exit, an orphan is reaped by init a moment later: until then it is a zombie.
async function assertGone(pid: number): Promise<void> {
  const gone = (): boolean => {
    try {
      process.kill(pid, 0);
      return false;
    } catch {
      return true;
    }
  };
  for (let i = 0; i < 100 && !gone(); i++) await new Promise((r) => setTimeout(r, 20));
  assert.ok(gone(), `process ${pid} still alive`);
}

describe('stop', () => {
  it('kills commands and removes folders even when the process exits without stop()', async () => {
    const { execFile } = await import('node:child_process');
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'fixtures', 'exit-without-stop.ts')], (err, out) => (err ? reject(err) : resolve(out))),
    );
    const [dir = '', pid = ''] = stdout.trim().split('\n');
    assert.ok(Number(pid) > 0, stdout);
    await assertGone(Number(pid));
    assert.equal(existsSync(dir), false);
  });

  for (const [signal, code] of [['SIGTERM', 143], ['SIGINT', 130], ['SIGHUP', 129]] as const) {
    it(`kills commands and removes folders when the process is ended by ${signal} it does not handle`, async () => {
      const { spawn } = await import('node:child_process');
      const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'fixtures', 'exit-without-stop.ts'), 'wait'], { stdio: ['ignore', 'pipe', 'inherit'] });
      const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
      let stdout = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
      for (let i = 0; i < 500 && stdout.split('\n').length < 3; i++) await new Promise((r) => setTimeout(r, 20));
      const [dir = '', pid = ''] = stdout.trim().split('\n');
      assert.ok(Number(pid) > 0, stdout);
      assert.doesNotThrow(() => process.kill(Number(pid), 0), 'the command runs before the signal');
      child.kill(signal);
      assert.equal(await exited, code);
      await assertGone(Number(pid));
      assert.equal(existsSync(dir), false);
    });
  }

  it('kills running commands and removes every container folder', async (t) => {
    const env = await startSim({}, t);
    env.sim.createPod('default', podManifest('x', { manual: true }));
    env.sim.setContainerState('default', 'x', 'app', 'running');
    const session = openExec(env.sim, '/api/v1/namespaces/default/pods/x/exec?container=app&stdout=true&command=sh&command=-c&command=' + encodeURIComponent('pwd; echo $$; exec sleep 30'));
    const [dir = '', pid = ''] = (await session.lines(2)).map((l) => l.trim());
    await env.sim.stop();
    assert.throws(() => process.kill(Number(pid), 0), { code: 'ESRCH' });
    assert.equal(existsSync(dir), false);
  });
});
