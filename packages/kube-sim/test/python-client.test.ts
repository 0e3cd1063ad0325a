// The official Python client (Debian's python3-kubernetes, /usr/bin/python3) against the
// sim, through the sim's kubeconfig: list, a watch resumed from the list's resourceVersion
// that ends at its timeout_seconds, exec with the exit code read from the status channel,
// and Velero restores through CustomObjectsApi. The Python side is
// fixtures/python_client.py; it prints one JSON line per step. CI installs the package, so
// a machine without it fails here (it is not skipped).

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { startSim } from '../../../test/helpers/start-sim.ts';
import { podManifest } from './support.ts';

const PYTHON = '/usr/bin/python3';
const SCRIPT = join(import.meta.dirname, 'fixtures', 'python_client.py');

const { sim, kc, kubeconfigPath } = await startSim({ lifecycle: { scheduleMs: 20, startMs: 50, readyMs: 50 } });
const home = mkdtempSync(join(tmpdir(), 'hookd-python-'));
after(() => rmSync(home, { recursive: true, force: true }));

interface PyRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

function python(args: string[], timeoutMs = 30_000): Promise<PyRun> {
  return new Promise((resolve) => {
    execFile(
      PYTHON,
      args,
      { env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home, PYTHONDONTWRITEBYTECODE: '1' }, cwd: home, timeout: timeoutMs },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Runs one step of the fixture and parses its JSON line; a failure shows Python's stderr. */
async function step<T>(name: string, namespace: string, ...rest: string[]): Promise<T> {
  const r = await python([SCRIPT, kubeconfigPath, name, namespace, ...rest]);
  assert.equal(r.code, 0, `python step ${name} failed (exit ${String(r.code)}):\n${r.stderr}`);
  const last = r.stdout.trim().split('\n').at(-1) ?? '';
  return JSON.parse(last) as T;
}

describe('the Python kubernetes client', () => {
  it('is installed (python3-kubernetes: CI installs it; install it to run these tests)', async () => {
    const r = await python(['-c', 'import kubernetes; print(kubernetes.__version__)']);
    assert.equal(r.code, 0, `${PYTHON} cannot import kubernetes; install the Debian package python3-kubernetes:\n${r.stderr}`);
    assert.match(r.stdout, /^\d+\.\d+/);
  });

  it('lists pods, then a watch from the list resourceVersion sees a pod created after the list and ends at timeout_seconds', async () => {
    sim.createNamespace('pyw');
    sim.createPod('pyw', podManifest('before', { manual: true }));
    const r = await step<{
      listed: string[];
      listRv: string;
      events: Array<{ type: string; name: string; phase: string | null; rv: string }>;
      seconds: number;
    }>('list-watch', 'pyw', '2');
    assert.deepEqual(r.listed, ['before']);
    assert.ok(r.events.length > 0, 'events after the list');
    // Nothing at or before the list's resourceVersion comes again: "before" was listed.
    assert.ok(!r.events.some((e) => e.name === 'before'), JSON.stringify(r.events));
    assert.deepEqual(r.events[0], { ...r.events[0], type: 'ADDED', name: 'after-list', phase: 'Pending' });
    for (const e of r.events) assert.ok(BigInt(e.rv) > BigInt(r.listRv), `${e.rv} after ${r.listRv}`);
    // The kubelet's lifecycle (scheduled, started, ready) comes as MODIFIED events.
    assert.ok(r.events.some((e) => e.type === 'MODIFIED' && e.name === 'after-list' && e.phase === 'Running'), JSON.stringify(r.events));
    // The server ends the watch at timeoutSeconds; the client then stops rather than re-watching.
    assert.ok(r.seconds >= 1.9 && r.seconds < 5, `the watch lasted ${r.seconds} s`);
  });

  it('execs through kubernetes.stream: exit code 0 and a non-zero one from the status channel, with stdout and stderr', async () => {
    sim.createNamespace('pyx');
    sim.createPod('pyx', podManifest('box', { manual: true }));
    sim.setContainerState('pyx', 'box', 'app', 'running', { ready: true });
    const ok = await step<{ returncode: number; stdout: string; stderr: string }>('exec', 'pyx', 'box', JSON.stringify(['sh', '-c', 'echo out; echo err >&2']));
    assert.deepEqual(ok, { returncode: 0, stdout: 'out\n', stderr: 'err\n' });
    const failed = await step<{ returncode: number; stdout: string; stderr: string }>('exec', 'pyx', 'box', JSON.stringify(['sh', '-c', 'echo partial; exit 7']));
    assert.deepEqual(failed, { returncode: 7, stdout: 'partial\n', stderr: '' });
  });

  it('lists and gets velero.io/v1 restores through CustomObjectsApi; a missing one is a 404 NotFound', async () => {
    sim.createNamespace('pyr');
    await kc.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({
      group: 'velero.io',
      version: 'v1',
      namespace: 'pyr',
      plural: 'restores',
      body: { apiVersion: 'velero.io/v1', kind: 'Restore', metadata: { name: 'nightly' }, spec: { backupName: 'b1', hooks: { resources: [] } } },
    });
    const r = await step<{
      kind: string;
      apiVersion: string;
      names: string[];
      get: { kind: string; name: string; spec: unknown };
      missing: { status: number; reason: string } | null;
    }>('restores', 'pyr');
    assert.deepEqual(r, {
      kind: 'RestoreList',
      apiVersion: 'velero.io/v1',
      names: ['nightly'],
      get: { kind: 'Restore', name: 'nightly', spec: { backupName: 'b1', hooks: { resources: [] } } },
      missing: { status: 404, reason: 'NotFound' },
    });
  });
});
