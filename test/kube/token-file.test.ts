// A kubeconfig user with `tokenFile` (kubectl's field), against the simulated cluster: its
// token is the file's content without the trailing newline, a rotated file is read again,
// and a `token` beside it wins. client-node alone would send no credentials for such a user.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { CoreV1Api } from '@kubernetes/client-node';
import { createExecutor } from '../../src/kube/exec.ts';
import { loadKubeConfig } from '../../src/kube/kubeconfig.ts';
import type { ExecOutcome } from '../../src/queue/ports.ts';
import { startSim } from '../helpers/start-sim.ts';
import { logSink, manualPod } from './support.ts';

const dir = mkdtempSync(join(tmpdir(), 'hookd-token-file-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const { sim } = await startSim();

function kubeconfig(user: string): string {
  const ca = Buffer.from(sim.ca).toString('base64');
  return `apiVersion: v1
kind: Config
clusters:
- name: sim
  cluster: { server: "${sim.url}", certificate-authority-data: ${ca} }
users:
- name: u
  user: ${user}
contexts:
- name: sim
  context: { cluster: sim, user: u }
current-context: sim
`;
}

async function status(path: string): Promise<number> {
  const { kc } = loadKubeConfig({ kind: 'kubeconfig', path });
  try {
    await kc.makeApiClient(CoreV1Api).listNamespace();
    return 200;
  } catch (err) {
    return (err as { code?: number }).code ?? -1;
  }
}

test('tokenFile, relative to the kubeconfig: the trimmed token is sent, a rotated file is read again', async () => {
  writeFileSync(join(dir, 'token'), `${sim.token}\n`);
  const path = join(dir, 'kubeconfig');
  writeFileSync(path, kubeconfig('{ tokenFile: token }'));
  const { kc } = loadKubeConfig({ kind: 'kubeconfig', path });
  const api = kc.makeApiClient(CoreV1Api);
  assert.ok((await api.listNamespace()).items.length > 0);
  // Rotated to a token the cluster does not know: the next request sends it (and gets 401).
  await new Promise((r) => setTimeout(r, 20));
  writeFileSync(join(dir, 'token'), 'not-a-known-token-0123456789\n');
  await assert.rejects(api.listNamespace(), (err: unknown) => (err as { code?: number }).code === 401);
  writeFileSync(join(dir, 'token'), sim.token);
  assert.ok((await api.listNamespace()).items.length > 0);
});

test('a token beside the tokenFile wins, as with kubectl', async () => {
  writeFileSync(join(dir, 'wrong'), 'not-a-known-token-0123456789');
  const path = join(dir, 'both');
  writeFileSync(path, kubeconfig(`{ token: "${sim.token}", tokenFile: wrong }`));
  assert.equal(await status(path), 200);
  const only = join(dir, 'only-wrong');
  writeFileSync(only, kubeconfig('{ tokenFile: wrong }'));
  assert.equal(await status(only), 401, 'the file really is read');
});

test('exec with a tokenFile: credentials are kept at most a second, a rotated token is then sent, a 401 drops them at once', async () => {
  const ns = `token-file-${process.pid}`;
  sim.createNamespace(ns);
  sim.createPod(ns, manualPod('pod'));
  sim.setContainerState(ns, 'pod', 'app', 'running', { ready: true });
  sim.scripts.set({ namespace: ns, pod: 'pod', container: 'app' }, () => ({ exitCode: 0, stdout: 'ok' }));
  writeFileSync(join(dir, 'exec-token'), `${sim.token}\n`);
  const path = join(dir, 'exec-kubeconfig');
  writeFileSync(path, kubeconfig('{ tokenFile: exec-token }'));
  const { kc } = loadKubeConfig({ kind: 'kubeconfig', path });
  const executor = createExecutor({ kc, log: logSink('silent').log });
  const exec = (): Promise<ExecOutcome> =>
    executor.exec({ namespace: ns, pod: 'pod', container: 'app', command: ['hook'], timeoutMs: 5_000, maxOutputBytes: 1024 }, new AbortController().signal);
  assert.equal((await exec()).kind, 'exited');

  await new Promise((r) => setTimeout(r, 20));
  writeFileSync(join(dir, 'exec-token'), 'not-a-known-token-0123456789\n');
  await new Promise((r) => setTimeout(r, 1_100)); // past the executor's credential TTL
  const rejected = await exec();
  assert.equal(rejected.kind, 'error');
  assert.equal(rejected.kind === 'error' ? rejected.code : '', 'KUBE_UNAUTHORIZED');

  // The 401 dropped the kept credentials: the token written back is sent by the very next exec.
  writeFileSync(join(dir, 'exec-token'), sim.token);
  assert.equal((await exec()).kind, 'exited');
});
