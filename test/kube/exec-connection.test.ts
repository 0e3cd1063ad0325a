// Where an exec connects and with which credentials: the URL from the current cluster (path
// prefix kept, every part encoded), and credentials applied at most once per TTL, shared by
// concurrent execs, dropped on demand.

import assert from 'node:assert/strict';
import { Agent } from 'node:https';
import { test } from 'node:test';
import { createExecConnections, execBase, execUrl } from '../../src/kube/exec-connection.ts';
import { loadKubeConfig } from '../../src/kube/kubeconfig.ts';
import { countApplies } from './support.ts';

function kubeconfig(server: string): ReturnType<typeof loadKubeConfig>['kc'] {
  const text = `apiVersion: v1
kind: Config
clusters: [{ name: c, cluster: { server: "${server}", insecure-skip-tls-verify: true } }]
users: [{ name: u, user: { token: t0 } }]
contexts: [{ name: c, context: { cluster: c, user: u } }]
current-context: c
`;
  return loadKubeConfig({ kind: 'kubeconfig-text', text }).kc;
}

test('the exec URL: one command parameter per argument, every part encoded, stdout and stderr only', () => {
  const url = execUrl('wss://api:6443', { namespace: 'n s', pod: 'p/1', container: 'c&d', command: ['/bin/sh', '-c', 'echo "a b" && x=1;#?'] });
  assert.equal(
    url,
    'wss://api:6443/api/v1/namespaces/n%20s/pods/p%2F1/exec?command=%2Fbin%2Fsh&command=-c&command=echo%20%22a%20b%22%20%26%26%20x%3D1%3B%23%3F&container=c%26d&stdout=true&stderr=true',
  );
  const q = new URL(url).searchParams;
  assert.deepEqual(q.getAll('command'), ['/bin/sh', '-c', 'echo "a b" && x=1;#?']);
  assert.equal(q.get('container'), 'c&d');
  assert.equal(q.get('stdin'), null);
  assert.equal(q.get('tty'), null);
});

test('the base: scheme switched, a path prefix kept, no trailing slash', () => {
  assert.equal(execBase('https://api.example:6443'), 'wss://api.example:6443');
  assert.equal(execBase('https://api.example/k8s/clusters/c-1/'), 'wss://api.example/k8s/clusters/c-1');
  assert.equal(execBase('http://127.0.0.1:8080'), 'ws://127.0.0.1:8080');
  assert.equal(execBase('https://[::1]:6443'), 'wss://[::1]:6443');
  assert.throws(() => execBase('ftp://x'), /must be http\(s\)/);
});

test('credentials: applied once per TTL, one refresh for concurrent execs, fresh after invalidate', async () => {
  const kc = kubeconfig('https://api.example:6443/prefix');
  const counted = countApplies(kc);
  let clock = 1_000;
  const connections = createExecConnections(kc, 500, () => clock);
  const [a, b] = await Promise.all([connections.get(), connections.get()]);
  assert.equal(counted.applied, 1);
  assert.equal(a, b);
  assert.equal(a.base, 'wss://api.example:6443/prefix');
  assert.equal(a.options.headers?.['Authorization'], 'Bearer t0');
  assert.equal(a.options.perMessageDeflate, false);

  clock += 499;
  assert.equal(await connections.get(), a);
  assert.equal(counted.applied, 1);

  kc.users = kc.users.map((u) => ({ ...u, token: 't1' })); // the token rotates
  clock += 1;
  const c = await connections.get();
  assert.equal(counted.applied, 2);
  assert.equal(c.options.headers?.['Authorization'], 'Bearer t1');

  kc.users = kc.users.map((u) => ({ ...u, token: 't2' }));
  connections.invalidate();
  assert.equal((await connections.get()).options.headers?.['Authorization'], 'Bearer t2');
  assert.equal(counted.applied, 3);
});

test('a TTL of 0 applies credentials for every exec; a failure is not kept', async () => {
  const kc = kubeconfig('https://api.example:6443');
  let applied = 0;
  let broken = true;
  const apply = kc.applyToHTTPSOptions.bind(kc);
  kc.applyToHTTPSOptions = async (opts) => {
    applied++;
    if (broken) throw new Error('credential plugin failed');
    await apply(opts);
  };
  const connections = createExecConnections(kc, 0);
  await assert.rejects(connections.get(), /credential plugin failed/);
  broken = false;
  await connections.get();
  await connections.get();
  assert.equal(applied, 3);
});

test('one shared https agent per TLS identity, not client-node\'s', async () => {
  const kc = kubeconfig('https://api.example:6443');
  const connections = createExecConnections(kc, 0);
  const a = await connections.get();
  const b = await connections.get();
  assert.ok(a.options.agent instanceof Agent);
  assert.equal(a.options.agent, b.options.agent);
  const clientNodes: Record<string, unknown> = {};
  await kc.applyToHTTPSOptions(clientNodes);
  assert.notEqual(a.options.agent, clientNodes['agent']);
  // The material is in the agent's SecureContext, not in the options of each request.
  assert.equal((a.options as Record<string, unknown>)['ca'], undefined);
});

test('a refresh that never ends (a credential plugin hung) is not shared forever: a later exec starts another', async () => {
  const kc = kubeconfig('https://api.example:6443');
  const counted = countApplies(kc, (n) => n === 1); // the first hangs, as a stuck plugin does
  let clock = 1_000;
  const connections = createExecConnections(kc, 1_000, () => clock);
  const first = connections.get();
  clock += 1_000;
  assert.equal(connections.get(), first, 'a refresh under way is shared');
  clock += 30_000;
  const later = await Promise.race([connections.get(), new Promise<'stuck'>((r) => setTimeout(() => r('stuck'), 1_000))]);
  assert.notEqual(later, 'stuck');
  assert.equal(counted.applied, 2);
});

test('a 401 on credentials already replaced does not drop the newer ones (a burst of 401s, one refresh)', async () => {
  const kc = kubeconfig('https://api.example:6443');
  const counted = countApplies(kc);
  let clock = 1_000;
  const connections = createExecConnections(kc, 1_000, () => clock);
  const stale = await connections.get();
  connections.invalidate(stale); // the first exec's 401
  const fresh = await connections.get();
  assert.notEqual(fresh, stale);
  for (let i = 0; i < 10; i++) connections.invalidate(stale); // the 401s of the other execs that used it
  assert.equal(await connections.get(), fresh);
  assert.equal(counted.applied, 2);
  connections.invalidate(fresh);
  await connections.get();
  assert.equal(counted.applied, 3);
});
