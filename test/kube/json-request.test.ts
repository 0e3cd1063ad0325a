// The lean JSON writer (src/kube/json-request.ts) on the simulated cluster: a write that
// lands, an error answer's Status message and code, the deadline, the credentials it sends
// (a rotated tokenFile token picked up), and, against a plain HTTP server, the server URL's
// path prefix, the headers and body on the wire, an error body read only a few KiB far, a
// credential plugin that hangs (its wait ends on the deadline or on an abort), and a burst
// of 401s on credentials already replaced.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { EventsV1Api } from '@kubernetes/client-node';
import { selfSignedCertificate } from '@hookd/kube-sim';
import { KubeError } from '../../src/kube/errors.ts';
import { AnswerTooLargeError, createJsonClient } from '../../src/kube/json-request.ts';
import { loadKubeConfig } from '../../src/kube/kubeconfig.ts';
import { createPodLists } from '../../src/kube/pod-lists.ts';
import { countApplies, kubeConfigWithToken, manualPod, rogueKubeConfig, startSim, until, type SimEnv } from './support.ts';

const NS = 'lean';
const EVENTS = `/apis/events.k8s.io/v1/namespaces/${NS}/events`;
let env: SimEnv;
const dir = mkdtempSync(join(tmpdir(), 'hookd-json-request-'));

before(async () => {
  env = await startSim({ extraTokens: [{ token: 'only-other-namespace-token', namespaces: ['other'] }] });
  env.sim.createNamespace(NS);
});
after(async () => {
  await env.sim.stop();
  rmSync(dir, { recursive: true, force: true });
});

const event = (name: string): string =>
  JSON.stringify({
    apiVersion: 'events.k8s.io/v1',
    kind: 'Event',
    metadata: { name, namespace: NS },
    eventTime: '2026-01-02T03:04:05.123000Z',
    regarding: { apiVersion: 'v1', kind: 'Pod', namespace: NS, name: 'p' },
    reason: 'HookSucceeded',
    action: 'ExecHook',
    note: 'n',
    type: 'Normal',
    reportingController: 'hookd.io/hookd',
    reportingInstance: 'test',
  });

const kubeError = (code: string, status: number | null, message?: RegExp) => (err: unknown) => {
  assert.ok(err instanceof KubeError, String(err));
  assert.equal(err.code, code, err.message);
  assert.equal(err.statusCode, status);
  if (message) assert.match(err.message, message);
  return true;
};

describe('createJsonClient on the sim', () => {
  test('a POST and a merge PATCH land; the answers need nothing more', async () => {
    const w = createJsonClient(env.kc);
    await w.send('POST', EVENTS, 'application/json', event('e-ok'), 'create e-ok');
    await w.send('PATCH', `${EVENTS}/e-ok`, 'application/merge-patch+json', JSON.stringify({ series: { count: 2, lastObservedTime: '2026-01-02T03:04:06.000000Z' } }), 'patch e-ok');
    const e = await env.kc.makeApiClient(EventsV1Api).readNamespacedEvent({ namespace: NS, name: 'e-ok' });
    assert.equal(e.series?.count, 2);
    assert.equal(e.reportingInstance, 'test');
    assert.equal(String(e.eventTime), '2026-01-02T03:04:05.123000Z');
    w.close();
  });

  test('an error answer is a KubeError with the code of its status and the Status message', async () => {
    const w = createJsonClient(env.kc);
    await assert.rejects(w.send('PATCH', `${EVENTS}/nothing-here`, 'application/merge-patch+json', '{}', 'patch nothing-here'), kubeError('KUBE_NOT_FOUND', 404, /^patch nothing-here: .*"nothing-here" not found/));
    await w.send('POST', EVENTS, 'application/json', event('e-twice'), 'create e-twice');
    await assert.rejects(w.send('POST', EVENTS, 'application/json', event('e-twice'), 'create e-twice'), kubeError('KUBE_ERROR', 409, /already exists/));
    await assert.rejects(w.send('POST', EVENTS, 'application/json', '{not json', 'create broken'), (err: unknown) => err instanceof KubeError && err.statusCode !== null && err.statusCode >= 400 && err.statusCode < 500);
    const fault = env.sim.faults.add({ kind: 'error', status: 503, match: { resource: 'events', verb: 'create' } });
    try {
      await assert.rejects(w.send('POST', EVENTS, 'application/json', event('e-503'), 'create e-503'), kubeError('KUBE_UNAVAILABLE', 503));
    } finally {
      env.sim.faults.remove(fault);
    }
    w.close();
  });

  test('no answer within the deadline is KUBE_TIMEOUT; the next write goes through', async () => {
    const w = createJsonClient(env.kc, { timeoutMs: 100 });
    const fault = env.sim.faults.add({ kind: 'latency', ms: 1000, match: { resource: 'events', verb: 'create' }, times: 1 });
    const started = Date.now();
    await assert.rejects(w.send('POST', EVENTS, 'application/json', event('e-slow'), 'create e-slow'), kubeError('KUBE_TIMEOUT', null, /^create e-slow: no answer within 100 ms$/));
    assert.ok(Date.now() - started < 900, 'the deadline, not the answer, ended it');
    env.sim.faults.remove(fault);
    await w.send('POST', EVENTS, 'application/json', event('e-after-slow'), 'create e-after-slow');
    w.close();
  });

  test("the kubeconfig's credentials are sent: a token without rights is refused, an unknown one unauthorized", async () => {
    const limited = createJsonClient(kubeConfigWithToken(env.sim, 'only-other-namespace-token'));
    await assert.rejects(limited.send('POST', EVENTS, 'application/json', event('e-limited'), 'create e-limited'), kubeError('KUBE_FORBIDDEN', 403));
    limited.close();
    const unknown = createJsonClient(kubeConfigWithToken(env.sim, 'not-a-known-token-0123456789'));
    await assert.rejects(unknown.send('POST', EVENTS, 'application/json', event('e-unknown'), 'create e-unknown'), kubeError('KUBE_UNAUTHORIZED', 401));
    unknown.close();
  });

  test('a rotated tokenFile token is used once the credentials are applied again: after their time, or at once after a 401', async () => {
    const tokenPath = join(dir, 'token');
    writeFileSync(tokenPath, `${env.sim.token}\n`);
    const ca = Buffer.from(env.sim.ca).toString('base64');
    const path = join(dir, 'kubeconfig');
    writeFileSync(
      path,
      `apiVersion: v1
kind: Config
clusters:
- name: sim
  cluster: { server: "${env.sim.url}", certificate-authority-data: ${ca} }
users:
- name: u
  user: { tokenFile: token }
contexts:
- name: sim
  context: { cluster: sim, user: u }
current-context: sim
`,
    );
    const { kc } = loadKubeConfig({ kind: 'kubeconfig', path });
    let now = 0;
    const w = createJsonClient(kc, { credentialsTtlMs: 1000, clock: () => now });
    await w.send('POST', EVENTS, 'application/json', event('e-file-1'), 'create e-file-1');
    // The file's mtime must change for the authenticator to read it again.
    await new Promise((r) => setTimeout(r, 20));
    writeFileSync(tokenPath, 'not-a-known-token-0123456789\n');
    await w.send('POST', EVENTS, 'application/json', event('e-file-2'), 'within the time, the applied token is kept');
    now += 1000;
    await assert.rejects(w.send('POST', EVENTS, 'application/json', event('e-file-3'), 'create e-file-3'), kubeError('KUBE_UNAUTHORIZED', 401));
    await new Promise((r) => setTimeout(r, 20));
    writeFileSync(tokenPath, env.sim.token);
    // Still within the time of the last application, but a 401 dropped it.
    await w.send('POST', EVENTS, 'application/json', event('e-file-4'), 'create e-file-4');
    w.close();
  });
});

describe('createJsonClient reads on the sim', () => {
  test('a GET resolves with the JSON answer; pod lists come in pages with their continue token, by label, in one or all namespaces', async () => {
    env.sim.createNamespace('lean-read');
    for (let i = 0; i < 7; i++) env.sim.createPod('lean-read', manualPod(`r-${i}`, ['app'], { tier: i % 2 === 0 ? 'even' : 'odd' }) as never);
    const c = createJsonClient(env.kc);
    const lists = createPodLists(c);
    const names: string[] = [];
    let cont: string | undefined;
    let pages = 0;
    do {
      const page = await lists.page({ namespace: 'lean-read', limit: 3, continue: cont }, 'list r');
      pages++;
      for (const p of page.items) names.push(p.metadata?.name ?? '');
      assert.match(page.resourceVersion, /^\d+$/);
      cont = page.continue;
    } while (cont !== undefined);
    assert.equal(pages, 3);
    assert.deepEqual(names.sort(), ['r-0', 'r-1', 'r-2', 'r-3', 'r-4', 'r-5', 'r-6']);
    const even = await lists.page({ namespace: 'lean-read', labelSelector: 'tier=even', limit: 500 }, 'list even');
    assert.deepEqual(even.items.map((p) => p.metadata?.name).sort(), ['r-0', 'r-2', 'r-4', 'r-6']);
    assert.equal(even.continue, undefined);
    const everywhere = await lists.page({ namespace: null, labelSelector: 'tier=odd', limit: 500 }, 'list odd');
    assert.deepEqual(everywhere.items.map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`).sort(), ['lean-read/r-1', 'lean-read/r-3', 'lean-read/r-5']);
    const one = await lists.get({ namespace: 'lean-read', name: 'r-3' }, 'read r-3');
    assert.equal(one.metadata?.labels?.['tier'], 'odd');
    assert.equal(typeof one.metadata?.creationTimestamp, 'string', 'plain JSON: no model objects made');
    await assert.rejects(lists.get({ namespace: 'lean-read', name: 'gone' }, 'read gone'), kubeError('KUBE_NOT_FOUND', 404, /^read gone: .*"gone" not found/));
    c.close();
  });

  test('a list page over the read bound is asked for again in halves from the same place, so large pods still list', async () => {
    const c = createJsonClient(env.kc);
    const onePod = JSON.stringify(await c.get('/api/v1/namespaces/lean-read/pods/r-0', 'read r-0')).length;
    c.close();
    // Room for about two pods a page: 500, 250, ... are refused until the page fits.
    const tight = createJsonClient(env.kc, { maxReadBytes: Math.round(onePod * 2.5) });
    const lists = createPodLists(tight);
    const names: string[] = [];
    let cont: string | undefined;
    let pages = 0;
    do {
      const page = await lists.page({ namespace: 'lean-read', limit: 500, continue: cont }, 'list r tight');
      pages++;
      assert.ok(page.items.length >= 1 && page.items.length <= 2, `a page of ${page.items.length}`);
      for (const p of page.items) names.push(p.metadata?.name ?? '');
      cont = page.continue;
    } while (cont !== undefined);
    assert.ok(pages >= 4, `${pages} pages`);
    assert.deepEqual(names.sort(), ['r-0', 'r-1', 'r-2', 'r-3', 'r-4', 'r-5', 'r-6']);
    await assert.rejects(
      createPodLists(createJsonClient(env.kc, { maxReadBytes: 100 })).page({ namespace: 'lean-read', limit: 500 }, 'list r tiny'),
      (err: unknown) => err instanceof AnswerTooLargeError && /larger than 100 bytes/.test(err.message),
      'not even one pod fits: refused',
    );
    tight.close();
  });

  test('an answer over the bound is refused, an abort ends a read at once with its reason, and 5xx keeps its code', async () => {
    const small = createJsonClient(env.kc, { maxReadBytes: 200 });
    await assert.rejects(small.get('/api/v1/namespaces/lean-read/pods', 'list big'), kubeError('KUBE_ERROR', 200, /^list big: the answer is larger than 200 bytes$/));
    small.close();
    const c = createJsonClient(env.kc);
    const fault = env.sim.faults.add({ kind: 'latency', ms: 2000, match: { resource: 'pods', verb: 'list' }, times: 1 });
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(new Error('stopped by the caller')), 50);
    await assert.rejects(c.get('/api/v1/namespaces/lean-read/pods', 'list slow', { signal: controller.signal }), /stopped by the caller/);
    assert.ok(Date.now() - started < 1500, 'the abort, not the answer, ended it');
    env.sim.faults.remove(fault);
    const unavailable = env.sim.faults.add({ kind: 'error', status: 503, match: { resource: 'pods', verb: 'list' }, times: 1 });
    await assert.rejects(c.get('/api/v1/namespaces/lean-read/pods', 'list 503'), kubeError('KUBE_UNAVAILABLE', 503));
    env.sim.faults.remove(unavailable);
    assert.ok(Array.isArray((await c.get('/api/v1/namespaces/lean-read/pods', 'list again') as { items: unknown[] }).items));
    c.close();
  });
});

describe('createJsonClient on the wire', () => {
  interface Seen {
    method: string | undefined;
    url: string | undefined;
    headers: IncomingHttpHeaders;
    body: string;
  }
  const seen: Seen[] = [];
  let reply: (res: import('node:http').ServerResponse) => void = (res) => res.writeHead(201, { 'Content-Type': 'application/json' }).end('{"kind":"Event"}');
  const sockets = new Set<unknown>();
  const server = createServer((req, res) => {
    sockets.add(req.socket);
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (body += d));
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, headers: req.headers, body });
      reply(res);
    });
  });
  let port = 0;
  before(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const kubeconfig = (server: string): string => `apiVersion: v1
kind: Config
clusters:
- name: plain
  cluster: { server: "${server}", insecure-skip-tls-verify: true }
users:
- name: u
  user: { token: plain-token }
contexts:
- name: plain
  context: { cluster: plain, user: u }
current-context: plain
`;

  test("the server URL's path is a prefix; token, content type, length and body are sent; sockets are kept", async () => {
    const { kc } = loadKubeConfig({ kind: 'kubeconfig-text', text: kubeconfig(`http://127.0.0.1:${port}/k8s/`) });
    const w = createJsonClient(kc);
    seen.length = 0;
    sockets.clear();
    const body = JSON.stringify({ note: 'é' });
    for (let i = 0; i < 3; i++) await w.send('PATCH', `${EVENTS}/x`, 'application/merge-patch+json', body, 'patch x');
    assert.equal(seen.length, 3);
    const [first] = seen;
    assert.equal(first?.method, 'PATCH');
    assert.equal(first?.url, `/k8s${EVENTS}/x`);
    assert.equal(first?.headers['authorization'], 'Bearer plain-token');
    assert.equal(first?.headers['content-type'], 'application/merge-patch+json');
    assert.equal(first?.headers['content-length'], String(Buffer.byteLength(body)));
    assert.equal(first?.body, body);
    assert.equal(sockets.size, 1, 'one kept socket for writes one after another');
    w.close();
  });

  test('an error body is read only a few KiB far; a Status message, a plain text or nothing make the message', async () => {
    const { kc } = loadKubeConfig({ kind: 'kubeconfig-text', text: kubeconfig(`http://127.0.0.1:${port}`) });
    const w = createJsonClient(kc);
    try {
      reply = (res) => res.writeHead(422, { 'Content-Type': 'application/json' }).end(JSON.stringify({ kind: 'Status', status: 'Failure', message: 'Event.events.k8s.io "x" is invalid', reason: 'Invalid', code: 422 }));
      await assert.rejects(w.send('POST', EVENTS, 'application/json', '{}', 'create x'), kubeError('KUBE_BAD_REQUEST', 422, /^create x: Event\.events\.k8s\.io "x" is invalid$/));
      reply = (res) => res.writeHead(502).end();
      await assert.rejects(w.send('POST', EVENTS, 'application/json', '{}', 'create x'), kubeError('KUBE_UNAVAILABLE', 502, /^create x: HTTP 502$/));
      reply = (res) => res.writeHead(500, { 'Content-Type': 'text/plain' }).end('x'.repeat(1 << 20));
      await assert.rejects(w.send('POST', EVENTS, 'application/json', '{}', 'create x'), (err: unknown) => {
        assert.ok(err instanceof KubeError);
        assert.equal(err.code, 'KUBE_UNAVAILABLE');
        assert.ok(err.message.length < 1024, `bounded message, got ${err.message.length} characters`);
        return true;
      });
    } finally {
      reply = (res) => res.writeHead(201).end();
      w.close();
    }
  });

  test('a 2xx answer to a read that is not JSON is a KUBE_ERROR saying so; a read sends no body', async () => {
    const { kc } = loadKubeConfig({ kind: 'kubeconfig-text', text: kubeconfig(`http://127.0.0.1:${port}`) });
    const c = createJsonClient(kc);
    try {
      seen.length = 0;
      reply = (res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end('<html>a proxy page</html>');
      await assert.rejects(c.get('/api/v1/pods', 'list pods'), kubeError('KUBE_ERROR', 200, /^list pods: the answer is not JSON$/));
      assert.equal(seen[0]?.method, 'GET');
      assert.equal(seen[0]?.body, '');
      assert.equal(seen[0]?.headers['content-length'], undefined);
      assert.equal(seen[0]?.headers['authorization'], 'Bearer plain-token');
    } finally {
      reply = (res) => res.writeHead(201).end();
      c.close();
    }
  });

  test('a read answered 401 is sent once more with credentials applied again; a second 401 is the answer', async () => {
    const { kc } = loadKubeConfig({ kind: 'kubeconfig-text', text: kubeconfig(`http://127.0.0.1:${port}`) });
    const applied = countApplies(kc);
    const c = createJsonClient(kc);
    try {
      seen.length = 0;
      let answers = 0;
      reply = (res) => (answers++ === 0 ? res.writeHead(401, { 'Content-Type': 'application/json' }).end('{"kind":"Status","message":"Unauthorized","code":401}') : res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"items":[]}'));
      assert.deepEqual(await c.get('/api/v1/pods', 'list pods'), { items: [] });
      assert.equal(seen.length, 2, 'sent twice');
      assert.equal(applied.applied, 2, 'the credentials were applied again for the second');
      seen.length = 0;
      reply = (res) => res.writeHead(401, { 'Content-Type': 'application/json' }).end('{"kind":"Status","message":"Unauthorized","code":401}');
      await assert.rejects(c.get('/api/v1/pods', 'list pods'), kubeError('KUBE_UNAUTHORIZED', 401));
      assert.equal(seen.length, 2, 'once more, not again and again');
    } finally {
      reply = (res) => res.writeHead(201).end();
      c.close();
    }
  });

  test('an API server that cannot be reached is KUBE_UNAVAILABLE', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const gone = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const { kc } = loadKubeConfig({ kind: 'kubeconfig-text', text: kubeconfig(`http://127.0.0.1:${gone}`) });
    const w = createJsonClient(kc);
    await assert.rejects(w.send('POST', EVENTS, 'application/json', '{}', 'create x'), kubeError('KUBE_UNAVAILABLE', null, /^create x: API server unreachable/));
    w.close();
  });
});

describe('createJsonClient when the TLS identity rotates', () => {
  const { certPem, keyPem } = selfSignedCertificate({ commonName: 'rotating' });
  const server = createHttpsServer({ cert: certPem, key: keyPem }, (req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url?.endsWith('/slow')) setTimeout(() => res.writeHead(201).end(), 600);
      else res.writeHead(201).end();
    });
  });
  let port = 0;
  before(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  test('a write in flight on an identity rotated away from still ends with its answer', async () => {
    const { kc } = loadKubeConfig({
      kind: 'kubeconfig-text',
      text: `apiVersion: v1
kind: Config
clusters:
- name: tls
  cluster: { server: "https://127.0.0.1:${port}", insecure-skip-tls-verify: true, tls-server-name: id0 }
users:
- name: u
  user: { token: tls-token }
contexts:
- name: tls
  context: { cluster: tls, user: u }
current-context: tls
`,
    });
    // Credentials applied at every write: each server name below is a TLS identity (an agent) of its own.
    const w = createJsonClient(kc, { credentialsTtlMs: 0 });
    const cluster = kc.getCurrentCluster() as { tlsServerName?: string };
    try {
      const slow = w.send('POST', `${EVENTS}/slow`, 'application/json', '{}', 'slow write');
      await new Promise((r) => setTimeout(r, 100));
      for (let i = 1; i <= 4; i++) {
        cluster.tlsServerName = `id${i}`;
        await w.send('POST', EVENTS, 'application/json', '{}', `write ${i}`);
      }
      await slow;
    } finally {
      w.close();
    }
  });
});

describe('createJsonClient and its credentials', () => {
  /** Answers of requests sent with the token `old`, held until the test answers them. */
  const held: ServerResponse[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.headers['authorization'] === 'Bearer old') held.push(res);
      else res.writeHead(201).end();
    });
  });
  let url = '';
  before(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const unauthorized = (res: ServerResponse): void => {
    res.writeHead(401, { 'Content-Type': 'application/json' }).end(JSON.stringify({ kind: 'Status', status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 }));
  };
  /** How a write ended, or 'stuck' when it had not within `ms` (real time). */
  const within = (p: Promise<void>, ms = 2_000): Promise<'ok' | 'stuck' | unknown> =>
    Promise.race([
      p.then(
        () => 'ok',
        (err: unknown) => err,
      ),
      new Promise<'stuck'>((r) => setTimeout(() => r('stuck'), ms).unref()),
    ]);

  test('a credential plugin that hangs: the writes waiting on it end with KUBE_TIMEOUT, and one after the give-up time applies them again', async () => {
    const kc = rogueKubeConfig(url, 'fresh');
    const counted = countApplies(kc, (n) => n === 1);
    let now = 1_000;
    const w = createJsonClient(kc, { timeoutMs: 200, clock: () => now });
    try {
      const first = await within(w.send('POST', EVENTS, 'application/json', '{}', 'create hung-1'));
      assert.notEqual(first, 'stuck', 'a write waiting on a hung plugin ends on its deadline');
      kubeError('KUBE_TIMEOUT', null, /^create hung-1: .*credentials/)(first);
      now += 5_000;
      const second = await within(w.send('POST', EVENTS, 'application/json', '{}', 'create hung-2'));
      kubeError('KUBE_TIMEOUT', null, /^create hung-2: /)(second);
      assert.equal(counted.applied, 1, 'within the give-up time, writes wait on the application under way');
      now += 6_000;
      assert.equal(await within(w.send('POST', EVENTS, 'application/json', '{}', 'create after-hang')), 'ok');
      assert.equal(counted.applied, 2);
    } finally {
      w.close();
    }
  });

  test('an abort ends a read waiting on a hung credential plugin at once, with the reason an abort in flight gives; an aborted one runs no plugin', async () => {
    const kc = rogueKubeConfig(url, 'fresh');
    const counted = countApplies(kc, () => true);
    // A deadline far beyond the test's patience: only the abort can end the wait in time.
    const c = createJsonClient(kc, { timeoutMs: 5_000 });
    const other = createJsonClient(kc, { timeoutMs: 5_000 });
    try {
      const controller = new AbortController();
      const reason = new Error('informer stopped');
      const read = c.get('/api/v1/namespaces/x/pods', 'list waiting', { signal: controller.signal });
      await until('the plugin to be running', () => counted.applied === 1);
      const started = Date.now();
      controller.abort(reason);
      const outcome = await within(read.then(() => undefined), 1_000);
      assert.equal(outcome, reason, 'rejected with the signal reason itself, as an abort of a request in flight is');
      assert.ok(Date.now() - started < 500, `ended ${Date.now() - started} ms after the abort`);

      // Another client: it would run the plugin anew rather than join the first one's run.
      const stopped = AbortSignal.abort(reason);
      assert.equal(await within(other.get('/api/v1/namespaces/x/pods', 'list stopped', { signal: stopped }).then(() => undefined), 500), reason);
      assert.equal(counted.applied, 1, 'a read aborted before it starts runs no credential plugin');
    } finally {
      c.close();
      other.close();
    }
  });

  test('a burst of 401s on credentials already replaced applies them once', async () => {
    const N = 4;
    const kc = rogueKubeConfig(url, 'old');
    const counted = countApplies(kc);
    // The clock stands still: only a 401 makes the writer apply credentials again.
    const w = createJsonClient(kc, { maxSockets: N + 2, clock: () => 1_000 });
    try {
      let refused = 0;
      const burst = Array.from({ length: N }, (_, i) =>
        w.send('POST', EVENTS, 'application/json', '{}', `create old-${i}`).then(
          () => 'ok',
          (err: unknown) => {
            refused++;
            return err;
          },
        ),
      );
      await until('the burst reached the server', () => held.length === N);
      assert.equal(counted.applied, 1);
      kc.users = kc.users.map((u) => ({ ...u, token: 'new' })); // rotated, the old token revoked
      const [firstHeld, ...rest] = held.splice(0);
      assert.ok(firstHeld);
      unauthorized(firstHeld);
      await until('the first 401 came back', () => refused === 1);
      await w.send('POST', EVENTS, 'application/json', '{}', 'create new-1');
      assert.equal(counted.applied, 2, 'the 401 made the next write apply fresh credentials');
      for (const res of rest) unauthorized(res); // the other writes sent with the old token
      for (const outcome of await Promise.all(burst)) kubeError('KUBE_UNAUTHORIZED', 401)(outcome);
      await w.send('POST', EVENTS, 'application/json', '{}', 'create new-2');
      assert.equal(counted.applied, 2, 'the 401s of the old token leave the fresh credentials kept');
    } finally {
      w.close();
    }
  });
});
