// hookd refuses to start (exit 2, naming the variable to set) where it would otherwise
// expose exec without authentication: off loopback, with a token list that holds no token,
// and against a real cluster. The quick start on the simulated cluster still needs none.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { startHookd } from '../helpers/hookd.ts';
import { runToExit } from '../helpers/run-to-exit.ts';
import { TEST_REDIS_URL, testPrefix } from '../helpers/redis.ts';
import { startSim } from '../helpers/start-sim.ts';
import { freePort } from '../helpers/ports.ts';

const dir = mkdtempSync(join(tmpdir(), 'hookd-fail-closed-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function run(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const r = await runToExit(['--import', 'tsx', 'src/main.ts'], {
    env: { PATH: process.env.PATH ?? '', HOME: dir, REDIS_URL: TEST_REDIS_URL, HOOKD_REDIS_EMBEDDED: 'never', HOOKD_REDIS_PREFIX: testPrefix(), HOOKD_PORT: '0', ...env },
  });
  return { code: r.code, stderr: r.output };
}


test('listening off loopback without authentication: exit 2 naming HOOKD_AUTH', async () => {
  const r = await run({ HOOKD_HOST: '0.0.0.0', HOOKD_KUBE: 'sim' });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /HOOKD_HOST="0\.0\.0\.0": listens beyond this machine without authentication; set HOOKD_AUTH=kubernetes, or HOOKD_AUTH=tokens with HOOKD_TOKENS_FILE/);
});

test('a token list that holds no token: exit 2, not "no authentication"', async () => {
  for (const value of [',', ' , ']) {
    const r = await run({ HOOKD_API_TOKENS: value, HOOKD_KUBE: 'sim' });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /HOOKD_API_TOKENS=.*holds no token/);
  }
});

test('a real cluster without authentication: exit 2 naming HOOKD_AUTH', async () => {
  const port = await freePort();
  const kubeconfig = join(dir, 'real.kubeconfig');
  writeFileSync(
    kubeconfig,
    `apiVersion: v1\nkind: Config\nclusters: [{name: real, cluster: {server: "https://127.0.0.1:${port}", insecure-skip-tls-verify: true}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: real, context: {cluster: real, user: u}}]\ncurrent-context: real\n`,
  );
  const r = await run({ HOOKD_KUBE: 'kubeconfig', KUBECONFIG: kubeconfig });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /HOOKD_AUTH: not set \(so none\), and the cluster at https:\/\/127\.0\.0\.1:\d+ is a real one .*set HOOKD_AUTH=kubernetes/);
});

test('inside a pod without a service-account token, auto refuses rather than pick the simulated cluster', async () => {
  const r = await run({ KUBERNETES_SERVICE_HOST: '10.0.0.1' });
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /never picks the simulated cluster inside a pod/);
});

test('the simulated cluster reached through a kubeconfig needs no token, on loopback', async (t) => {
  const env = await startSim({}, t);
  const hookd = await startHookd({ kubeconfig: env.sim.kubeconfig });
  assert.match(hookd.url, /^http:\/\/127\.0\.0\.1:/);
  await hookd.stop();
});

test('Redis Cluster with a prefix that is no hash tag: exit 2 naming HOOKD_REDIS_PREFIX, before any connection', async () => {
  // Nothing listens at the node: the refusal comes from the setting alone.
  const port = await freePort();
  const r = await run({ REDIS_URL: '', REDIS_CLUSTER_NODES: `127.0.0.1:${port}`, HOOKD_REDIS_PREFIX: 'hookd-unbraced', HOOKD_KUBE: 'sim' });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /HOOKD_REDIS_PREFIX="hookd-unbraced": on Redis Cluster \(REDIS_CLUSTER_NODES\) the prefix must hold a hash tag, such as \{hookd\}/);
});

test('two ways to reach Redis at once: exit 2 naming both', async () => {
  const r = await run({ REDIS_SENTINELS: '127.0.0.1:26379', REDIS_SENTINEL_NAME: 'm', HOOKD_KUBE: 'sim' });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /REDIS_URL and REDIS_SENTINELS: set only one/);
});
