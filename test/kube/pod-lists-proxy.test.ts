// A cluster behind a kubeconfig proxy-url: the lean JSON client cannot go through a proxy, so
// pod reads for such a kubeconfig go through client-node, which does (an HTTP CONNECT proxy).
// Those reads (callKube) also end on an abort and on their deadline while the kubeconfig's
// credential plugin has not answered, and its late answer sends nothing and leaks nothing.

import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { KubeConfig } from '@kubernetes/client-node';
import { KubeError } from '../../src/kube/errors.ts';
import { loadKubeConfig } from '../../src/kube/kubeconfig.ts';
import { podListsFor } from '../../src/kube/pod-lists.ts';
import { manualPod, startSim, until, type SimEnv } from './support.ts';

let env: SimEnv;
const dir = mkdtempSync(join(tmpdir(), 'hookd-pod-lists-proxy-'));
const tunnels: string[] = [];
const sockets = new Set<Socket>();
const proxy = createServer((_req, res) => res.writeHead(405).end());
proxy.on('connect', (req: IncomingMessage, client: Socket) => {
  tunnels.push(req.url ?? '');
  const [host, port] = (req.url ?? '').split(':');
  const upstream = connect(Number(port), host ?? '127.0.0.1', () => {
    client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    upstream.pipe(client);
    client.pipe(upstream);
  });
  for (const s of [client, upstream]) {
    sockets.add(s);
    s.on('error', () => s.destroy());
    s.on('close', () => sockets.delete(s));
  }
});

before(async () => {
  env = await startSim();
  env.sim.createNamespace('proxied');
  env.sim.createPod('proxied', manualPod('through-proxy') as never);
  env.sim.createNamespace('held');
  for (const name of ['held-abort', 'held-deadline']) env.sim.createPod('held', manualPod(name) as never);
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
});
after(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((r) => proxy.close(r));
  await env.sim.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A kubeconfig for the sim behind the proxy, with `user` (YAML flow mapping) as its user. */
function proxiedKubeConfig(user: string): KubeConfig {
  const ca = Buffer.from(env.sim.ca).toString('base64');
  return loadKubeConfig({
    kind: 'kubeconfig-text',
    text: `apiVersion: v1
kind: Config
clusters:
- name: sim
  cluster: { server: "${env.sim.url}", certificate-authority-data: ${ca}, proxy-url: "http://127.0.0.1:${(proxy.address() as AddressInfo).port}" }
users:
- name: u
  user: ${user}
contexts:
- name: sim
  context: { cluster: sim, user: u }
current-context: sim
`,
  }).kc;
}

test('pods of a cluster behind a proxy-url are listed and read through the proxy', async () => {
  const kc = proxiedKubeConfig(`{ token: "${env.sim.token}" }`);
  const lists = podListsFor(kc);
  const page = await lists.page({ namespace: 'proxied', limit: 10 }, 'list proxied');
  assert.deepEqual(page.items.map((p) => p.metadata?.name), ['through-proxy']);
  const pod = await lists.get({ namespace: 'proxied', name: 'through-proxy' }, 'read through-proxy');
  assert.equal(pod.metadata?.name, 'through-proxy');
  assert.ok(tunnels.length > 0, 'the requests went through the proxy');
  assert.ok(tunnels.every((t) => t === new URL(env.sim.url).host), tunnels.join(', '));
  lists.close();
});

/**
 * A kubeconfig exec credential plugin (a real child process, run by client-node) that
 * answers with the sim's token only once the test releases it; it gives up waiting after
 * 30 s so a failed test leaves no process behind for long.
 */
function heldPlugin(name: string): { kc: KubeConfig; runs(): number; release(): void; applied(): number } {
  const d = mkdtempSync(join(dir, `${name}-`));
  const script = join(d, 'plugin.cjs');
  writeFileSync(
    script,
    `const fs = require('node:fs');
fs.writeFileSync(${JSON.stringify(join(d, 'started-'))} + process.pid, '');
const end = Date.now() + 30000;
const t = setInterval(() => {
  if (!fs.existsSync(${JSON.stringify(join(d, 'answer'))}) && Date.now() < end) return;
  clearInterval(t);
  process.stdout.write(JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token: ${JSON.stringify(env.sim.token)} } }));
}, 20);
`,
  );
  const kc = proxiedKubeConfig(
    `{ exec: { apiVersion: client.authentication.k8s.io/v1, command: ${JSON.stringify(process.execPath)}, args: [${JSON.stringify(script)}], interactiveMode: Never } }`,
  );
  // Only observes: counts the credential applications of client-node's typed APIs that ended.
  let applied = 0;
  const apply = kc.applySecurityAuthentication.bind(kc);
  kc.applySecurityAuthentication = async (ctx) => {
    await apply(ctx);
    applied++;
  };
  return {
    kc,
    runs: () => readdirSync(d).filter((f) => f.startsWith('started-')).length,
    release: () => writeFileSync(join(d, 'answer'), ''),
    applied: () => applied,
  };
}

/** How a read ended, or 'stuck' when it had not within `ms` (real time). */
const within = (p: Promise<unknown>, ms: number): Promise<unknown> =>
  Promise.race([
    p.then(
      () => 'ok',
      (err: unknown) => err,
    ),
    new Promise<'stuck'>((r) => setTimeout(() => r('stuck'), ms).unref()),
  ]);

/** Rejections nobody handled while `fn` ran and its late work settled. */
async function unhandledDuring(fn: () => Promise<void>): Promise<unknown[]> {
  const seen: unknown[] = [];
  const onUnhandled = (reason: unknown): void => {
    seen.push(reason);
  };
  process.on('unhandledRejection', onUnhandled);
  try {
    await fn();
    // A rejection is reported unhandled once the turn it happened in has drained its microtasks.
    await new Promise((r) => setTimeout(r, 200));
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
  return seen;
}

/** The late answer: released, applied by client-node, and the read it was for sent nothing. */
async function lateAnswer(plugin: ReturnType<typeof heldPlugin>, pod: string): Promise<void> {
  plugin.release();
  await until('the late plugin answer to be applied', () => plugin.applied() === 1);
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(env.sim.counters().requests.byPod[`held/${pod}`] ?? 0, 0, 'the read given up was not sent once the plugin answered');
}

test('proxy-url reads: an abort ends a read waiting on a hung credential plugin at once, with the signal reason; the late answer sends nothing', async () => {
  const plugin = heldPlugin('abort');
  const lists = podListsFor(plugin.kc);
  const seen = await unhandledDuring(async () => {
    try {
      const controller = new AbortController();
      const reason = new Error('informer stopped');
      // A deadline far beyond the test's patience: only the abort can end the wait in time.
      const read = lists.get({ namespace: 'held', name: 'held-abort' }, 'read held-abort', { signal: controller.signal, timeoutMs: 60_000 });
      await until('the credential plugin to be running', () => plugin.runs() === 1);
      const started = Date.now();
      controller.abort(reason);
      const outcome = await within(read, 3_000);
      assert.equal(outcome, reason, 'rejected with the signal reason itself, as an abort of a request in flight is');
      assert.ok(Date.now() - started < 500, `ended ${Date.now() - started} ms after the abort`);
      await lateAnswer(plugin, 'held-abort');
    } finally {
      plugin.release();
    }
  });
  assert.deepEqual(seen, [], 'the late plugin answer left no unhandled rejection');
  // The KubeConfig stays usable: client-node kept the late answer's token.
  const pod = await lists.get({ namespace: 'held', name: 'held-abort' }, 'read held-abort again');
  assert.equal(pod.metadata?.name, 'held-abort');
  assert.equal(plugin.runs(), 1);
  lists.close();
});

test('proxy-url reads: a read waiting on a hung credential plugin ends at its deadline with KUBE_TIMEOUT; the late answer sends nothing', async () => {
  const plugin = heldPlugin('deadline');
  const lists = podListsFor(plugin.kc);
  const seen = await unhandledDuring(async () => {
    try {
      const started = Date.now();
      const outcome = await within(lists.get({ namespace: 'held', name: 'held-deadline' }, 'read held-deadline', { timeoutMs: 400 }), 3_000);
      assert.notEqual(outcome, 'stuck', 'a read waiting on a hung plugin ends on its deadline');
      assert.ok(outcome instanceof KubeError, String(outcome));
      assert.equal(outcome.code, 'KUBE_TIMEOUT', outcome.message);
      assert.equal(outcome.statusCode, null);
      assert.match(outcome.message, /^read held-deadline: no credentials within 400 ms/);
      assert.equal(plugin.runs(), 1);
      const elapsed = Date.now() - started;
      assert.ok(elapsed >= 390 && elapsed < 2_000, `ended after ${elapsed} ms`);
      await lateAnswer(plugin, 'held-deadline');
    } finally {
      plugin.release();
    }
  });
  assert.deepEqual(seen, [], 'the late plugin answer left no unhandled rejection');
  lists.close();
});
