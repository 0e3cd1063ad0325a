// The Executor against servers that lie or misbehave in ways exec-protocol.test.ts does not
// cover: exit-code causes that contradict their reason, frames too large to hold, a status
// message of any size, a connection cut after the request went out, a redirect on the
// upgrade, URL metacharacters, TLS with an untrusted CA or another host name, a token
// rotated and revoked, a status that never comes, slow or unfinished handshakes, floods of
// tiny frames; and that no timer or socket outlives a call. Plain `ws`/`net`/`http`/`tls`
// servers on 127.0.0.1, the executor unmocked.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { createServer as createNetServer } from 'node:net';
import { after, before, test } from 'node:test';
import { createServer as createTlsServer } from 'node:tls';
import { selfSignedCertificate } from '@hookd/kube-sim';
import { WebSocketServer } from 'ws';
import type WebSocket from 'ws';
import { createExecutor } from '../../src/kube/exec.ts';
import { loadKubeConfig } from '../../src/kube/kubeconfig.ts';
import type { ExecRequest } from '../../src/queue/ports.ts';
import { logSink, rogueKubeConfig } from './support.ts';

let behaviour: (ws: WebSocket) => void = () => {};
let server: WebSocketServer;
let url: string;

before(async () => {
  server = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: () => 'v5.channel.k8s.io' });
  server.on('connection', (ws) => behaviour(ws));
  await new Promise<void>((resolve) => server.once('listening', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  for (const c of server.clients) c.terminate();
  server.close();
});

function executor(at = url, retry = { tries: 3, budgetMs: 5_000, baseMs: 1, maxDelayMs: 1, maxRetryAfterMs: 1 }) {
  return createExecutor({ kc: executorKc(at), log: logSink('silent').log, retry });
}

const executorKc = (at: string) => rogueKubeConfig(at, 'secret-token');

const req: ExecRequest = { namespace: 'ns', pod: 'p', container: 'c', command: ['x'], timeoutMs: 5_000, maxOutputBytes: 1024 };
const frame = (channel: number, data: string | Buffer) => Buffer.concat([Buffer.from([channel]), Buffer.from(data)]);
const exitStatus = (message: unknown) => JSON.stringify({ status: 'Failure', reason: 'NonZeroExitCode', message: 'command terminated with non-zero exit code', details: { causes: [{ reason: 'ExitCode', message }] } });

for (const lie of ['', ' ', '0', '-0', null, false, [], '0x1', '1e2', ' 3 ', '99999999999999999999']) {
  test(`NonZeroExitCode with an ExitCode cause of ${JSON.stringify(lie)} is not an exit code`, async () => {
    behaviour = (ws) => ws.send(frame(3, exitStatus(lie)));
    const out = await executor().exec(req, new AbortController().signal);
    assert.equal(out.kind, 'error', `got ${JSON.stringify(out)}`);
  });
}

test('a real exit code still reads: 1, 255, and a negative Windows one', async () => {
  for (const [said, code] of [['1', 1], ['255', 255], ['-1073741819', -1073741819]] as const) {
    behaviour = (ws) => ws.send(frame(3, exitStatus(said)));
    const out = await executor().exec(req, new AbortController().signal);
    assert.deepEqual(out, { kind: 'exited', exitCode: code, stdout: '', stderr: '', truncated: false });
  }
});

test('a status frame of megabytes is not read (ends as an error, not held in memory and parsed)', async () => {
  const padded = JSON.stringify({ status: 'Success', message: 'x'.repeat(16 * 1024 * 1024) });
  behaviour = (ws) => ws.send(frame(3, padded));
  const out = await executor().exec(req, new AbortController().signal);
  assert.equal(out.kind, 'error', `got ${out.kind}`);
});

test('an output frame of megabytes ends the exec as outcome unknown', async () => {
  behaviour = (ws) => {
    ws.send(frame(1, Buffer.alloc(16 * 1024 * 1024, 0x61)));
    ws.send(frame(3, JSON.stringify({ status: 'Success' })));
  };
  const out = await executor().exec(req, new AbortController().signal);
  assert.equal(out.kind, 'error');
  if (out.kind === 'error') assert.match(out.message, /outcome unknown/);
});

test("a Failure status's message is bounded in the outcome", async () => {
  behaviour = (ws) => ws.send(frame(3, JSON.stringify({ status: 'Failure', reason: 'InternalError', message: 'y'.repeat(500_000) })));
  const out = await executor().exec(req, new AbortController().signal);
  assert.equal(out.kind, 'error');
  if (out.kind === 'error') assert.ok(out.message.length < 8_192, `message of ${out.message.length} chars`);
});

test('two status frames: the first decides (Failure then Success is a failure)', async () => {
  behaviour = (ws) => {
    ws.send(frame(3, exitStatus('2')));
    ws.send(frame(3, JSON.stringify({ status: 'Success' })));
    ws.send(frame(1, 'after'));
  };
  const out = await executor().exec(req, new AbortController().signal);
  assert.deepEqual(out, { kind: 'exited', exitCode: 2, stdout: '', stderr: '', truncated: false });
});

test('a connection cut after the upgrade request went out is not tried again (the command may have started)', async () => {
  let requests = 0;
  const raw = createNetServer((socket) => {
    let seen = '';
    socket.on('data', (d) => {
      seen += d.toString('latin1');
      if (seen.includes('\r\n\r\n')) {
        requests++;
        socket.resetAndDestroy();
      }
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
  try {
    const out = await executor(`http://127.0.0.1:${(raw.address() as AddressInfo).port}`).exec(req, new AbortController().signal);
    assert.equal(out.kind, 'error');
    if (out.kind === 'error') assert.equal(out.notStarted, undefined);
    assert.equal(requests, 1);
  } finally {
    raw.close();
  }
});

test('a connection refused is still tried again (nothing was sent)', async () => {
  const raw = createNetServer();
  await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
  const port = (raw.address() as AddressInfo).port;
  await new Promise<void>((resolve) => raw.close(() => resolve()));
  let retries = 0;
  const kc = rogueKubeConfig(`http://127.0.0.1:${port}`);
  const ex = createExecutor({ kc, log: logSink('silent').log, retry: { tries: 3, budgetMs: 5_000, baseMs: 1, maxDelayMs: 1, maxRetryAfterMs: 1 }, onRetry: () => retries++ });
  const out = await ex.exec(req, new AbortController().signal);
  assert.equal(out.kind, 'error');
  assert.equal(retries, 2);
});

test('a redirect on the upgrade is not followed (the token goes nowhere else)', async () => {
  let elsewhere = 0;
  const other: Server = createServer((_q, r) => {
    elsewhere++;
    r.end();
  });
  other.on('upgrade', (_q, s) => {
    elsewhere++;
    s.destroy();
  });
  await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
  const redirector: Server = createServer((_q, r) => {
    r.writeHead(307, { location: `http://127.0.0.1:${(other.address() as AddressInfo).port}/steal` });
    r.end();
  });
  await new Promise<void>((resolve) => redirector.listen(0, '127.0.0.1', resolve));
  try {
    const out = await executor(`http://127.0.0.1:${(redirector.address() as AddressInfo).port}`).exec(req, new AbortController().signal);
    assert.equal(out.kind, 'error');
    assert.equal(elsewhere, 0);
  } finally {
    other.close();
    redirector.close();
  }
});

test('command args and names with URL metacharacters stay in their parameter', async () => {
  let seen = '';
  behaviour = (ws) => ws.send(frame(3, JSON.stringify({ status: 'Success' })));
  server.once('headers', (_h, r) => (seen = r.url ?? ''));
  const args = ['a&container=evil', 'b?c#d', '%2e%2e/x', 'line\nbreak', 'é€😀'];
  const out = await executor().exec({ ...req, namespace: 'n s', pod: 'p/../q', command: args }, new AbortController().signal);
  assert.equal(out.kind, 'exited');
  const u = new URL(seen, 'http://x');
  assert.equal(u.pathname, '/api/v1/namespaces/n%20s/pods/p%2F..%2Fq/exec');
  assert.deepEqual(u.searchParams.getAll('command'), args);
  assert.deepEqual(u.searchParams.getAll('container'), ['c']);
});

test('a lone surrogate in an argument is an error, not a crash', async () => {
  const out = await executor().exec({ ...req, command: ['\ud800'] }, new AbortController().signal);
  assert.equal(out.kind, 'error');
});

// TLS: the kubeconfig trusts `ca`; the server presents `cert`.
function tlsExecutor(server: string, caPem: string, onRetry?: () => void) {
  const text = `apiVersion: v1
kind: Config
clusters: [{ name: tls, cluster: { server: "${server}", certificate-authority-data: ${Buffer.from(caPem).toString('base64')} } }]
users: [{ name: tls, user: { token: secret-token } }]
contexts: [{ name: tls, context: { cluster: tls, user: tls } }]
current-context: tls
`;
  const { kc } = loadKubeConfig({ kind: 'kubeconfig-text', text });
  return createExecutor({ kc, log: logSink('silent').log, retry: { tries: 3, budgetMs: 5_000, baseMs: 1, maxDelayMs: 1, maxRetryAfterMs: 1 }, ...(onRetry ? { onRetry } : {}) });
}

/** A TLS server that counts the HTTP requests it reads, and what it does with them. */
async function tlsServer(host: string, cert: { certPem: string; keyPem: string }, onRequest: (socket: import('node:tls').TLSSocket) => void) {
  const seen: string[] = [];
  const srv = createTlsServer({ cert: cert.certPem, key: cert.keyPem }, (socket) => {
    let head = '';
    socket.on('error', () => {});
    socket.on('data', (d) => {
      head += d.toString('latin1');
      if (head.includes('\r\n\r\n')) {
        seen.push(head);
        onRequest(socket);
      }
    });
  });
  srv.on('tlsClientError', () => {});
  await new Promise<void>((resolve) => srv.listen(0, host, resolve));
  return { srv, seen, url: `https://${host}:${(srv.address() as AddressInfo).port}` };
}

test('TLS with a CA we do not trust: an error, and the request (with its token) is never sent', async () => {
  const real = selfSignedCertificate();
  const other = selfSignedCertificate();
  const { srv, seen, url: at } = await tlsServer('127.0.0.1', real, (s) => s.destroy());
  try {
    const out = await tlsExecutor(at, other.certPem).exec(req, new AbortController().signal);
    assert.equal(out.kind, 'error');
    if (out.kind === 'error') assert.equal(out.notStarted, undefined);
    assert.equal(seen.length, 0);
  } finally {
    srv.close();
  }
});

test('TLS with the right CA but another host name: an error, and the request is never sent', async () => {
  const cert = selfSignedCertificate(); // for 127.0.0.1 and localhost only
  const { srv, seen, url: at } = await tlsServer('127.0.0.2', cert, (s) => s.destroy());
  try {
    const out = await tlsExecutor(at, cert.certPem).exec(req, new AbortController().signal);
    assert.equal(out.kind, 'error');
    if (out.kind === 'error') assert.match(out.message, /127\.0\.0\.2|altname|IP/);
    assert.equal(seen.length, 0);
  } finally {
    srv.close();
  }
});

test('TLS: a reset once the request is read is not tried again; a reset during the handshake is', async () => {
  const cert = selfSignedCertificate();
  const { srv, seen, url: at } = await tlsServer('127.0.0.1', cert, (s) => s.destroy()); // the client sees "socket hang up" (ECONNRESET)
  try {
    const out = await tlsExecutor(at, cert.certPem).exec(req, new AbortController().signal);
    assert.equal(out.kind, 'error');
    if (out.kind === 'error') assert.equal(out.notStarted, undefined);
    assert.equal(seen.length, 1);
    assert.match(seen[0] ?? '', /authorization: Bearer secret-token/i);
  } finally {
    srv.close();
  }
  let hellos = 0;
  const raw = createNetServer((socket) => {
    socket.on('error', () => {});
    socket.once('data', () => {
      hellos++;
      socket.resetAndDestroy(); // the ClientHello: no request can have been sent
    });
  });
  await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
  let retries = 0;
  try {
    const out = await tlsExecutor(`https://127.0.0.1:${(raw.address() as AddressInfo).port}`, cert.certPem, () => retries++).exec(req, new AbortController().signal);
    assert.equal(out.kind, 'error');
    assert.equal(hellos, 3);
    assert.equal(retries, 2);
  } finally {
    raw.close();
  }
});

test('a token rotated (the old one revoked) while its credentials are kept: the 401 is answered by one try with fresh ones', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hookd-exec-rotate-'));
  let valid = 'token-A';
  let unauthorized = 0;
  const auth = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    handleProtocols: () => 'v5.channel.k8s.io',
    verifyClient: (info, cb) => {
      if (info.req.headers.authorization === `Bearer ${valid}`) return cb(true);
      unauthorized++;
      cb(false, 401, 'Unauthorized');
    },
  });
  auth.on('connection', (ws) => ws.send(frame(3, JSON.stringify({ status: 'Success' }))));
  await new Promise<void>((resolve) => auth.once('listening', resolve));
  try {
    writeFileSync(join(dir, 'token'), 'token-A\n');
    writeFileSync(
      join(dir, 'kubeconfig'),
      `apiVersion: v1
kind: Config
clusters: [{ name: c, cluster: { server: "http://127.0.0.1:${(auth.address() as AddressInfo).port}", insecure-skip-tls-verify: true } }]
users: [{ name: u, user: { tokenFile: token } }]
contexts: [{ name: c, context: { cluster: c, user: u } }]
current-context: c
`,
    );
    const { kc } = loadKubeConfig({ kind: 'kubeconfig', path: join(dir, 'kubeconfig') });
    const ex = createExecutor({ kc, log: logSink('silent').log });
    assert.equal((await ex.exec(req, new AbortController().signal)).kind, 'exited');
    await new Promise((r) => setTimeout(r, 20));
    valid = 'token-B';
    writeFileSync(join(dir, 'token'), 'token-B\n');
    const out = await ex.exec(req, new AbortController().signal); // within the credentials' second
    assert.equal(out.kind, 'exited', JSON.stringify(out));
    assert.equal(unauthorized, 1);
    // Credentials the server rejects whatever we do: one more try, not a backoff series.
    valid = 'token-C';
    const rejected = await ex.exec(req, new AbortController().signal);
    assert.equal(rejected.kind === 'error' ? rejected.code : rejected.kind, 'KUBE_UNAUTHORIZED');
    assert.equal(unauthorized, 3);
  } finally {
    auth.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * Timers and sockets of this process, to see that none outlives a call. The servers' ends
 * are in this process too: they are given 100 ms to see the client gone (less than any
 * timer of the executor's own, e.g. the 1 s for a refusal's body).
 */
const live = (): string[] => process.getActiveResourcesInfo().filter((r) => r === 'Timeout' || r === 'TCPSocketWrap' || r === 'TLSWrap');
async function settledClean(run: () => Promise<unknown>): Promise<unknown> {
  const before = live().length;
  const out = await run();
  await new Promise((r) => setTimeout(r, 100));
  assert.ok(live().length <= before, `left behind: ${live().length - before} (${live().join(', ')})`);
  return out;
}

test('a server that keeps the socket alive (pongs) but never sends the status: a timeout at the deadline, nothing left behind', async () => {
  behaviour = (ws) => ws.send(frame(1, 'working'));
  const t0 = Date.now();
  const out = await settledClean(() => createExecutor({ kc: executorKc(url), log: logSink('silent').log, pingIntervalMs: 50 }).exec({ ...req, timeoutMs: 400 }, new AbortController().signal));
  assert.deepEqual(out, { kind: 'timeout', stdout: 'working', stderr: '', truncated: false });
  assert.ok(Date.now() - t0 < 2_000);
});

test('a server that closes right after the upgrade: outcome unknown, not tried again', async () => {
  let connections = 0;
  behaviour = (ws) => {
    connections++;
    ws.terminate();
  };
  const out = await settledClean(() => executor().exec(req, new AbortController().signal));
  assert.equal(out && (out as { kind: string }).kind, 'error');
  assert.match((out as { message: string }).message, /outcome unknown/);
  assert.equal(connections, 1);
});

test('a 101 with a subprotocol we did not offer: an error, not tried again', async () => {
  let upgrades = 0;
  const raw = createNetServer((socket) => {
    socket.on('error', () => {});
    let head = '';
    socket.on('data', (d) => {
      head += d.toString('latin1');
      const key = /sec-websocket-key: (\S+)/i.exec(head)?.[1];
      if (!head.includes('\r\n\r\n') || key === undefined) return;
      upgrades++;
      const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\nSec-WebSocket-Protocol: channel.k8s.io\r\n\r\n`);
    });
  });
  await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
  try {
    const out = (await settledClean(() => executor(`http://127.0.0.1:${(raw.address() as AddressInfo).port}`).exec(req, new AbortController().signal))) as { kind: string; message: string; notStarted?: unknown };
    assert.equal(out.kind, 'error');
    assert.match(out.message, /subprotocol "channel\.k8s\.io"/);
    assert.equal(out.notStarted, undefined);
    assert.equal(upgrades, 1);
  } finally {
    raw.close();
  }
});

test('upgrade headers sent a byte at a time (slowloris), or a refusal whose body never ends: a timeout at our deadline, nothing left behind', async () => {
  const sockets = new Set<import('node:net').Socket>();
  const raw = createNetServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.once('data', () => {
      const slow = 'HTTP/1.1 101 Switching Protocols\r\nX-Slow: ' + 'a'.repeat(1000);
      let i = 0;
      const t = setInterval(() => (socket.destroyed || i >= slow.length ? clearInterval(t) : socket.write(slow[i++] ?? '')), 20);
      socket.on('close', () => clearInterval(t));
    });
  });
  const refuser = createServer((_q, r) => {
    r.writeHead(503, { 'content-type': 'application/json' });
    r.write('{"kind":"Status","message":"');
  });
  await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
  await new Promise<void>((resolve) => refuser.listen(0, '127.0.0.1', resolve));
  try {
    const t0 = Date.now();
    const out = await settledClean(() => executor(`http://127.0.0.1:${(raw.address() as AddressInfo).port}`).exec({ ...req, timeoutMs: 300 }, new AbortController().signal));
    assert.equal((out as { kind: string }).kind, 'timeout');
    assert.ok(Date.now() - t0 < 1_500);
    const refused = await settledClean(() => executor(`http://127.0.0.1:${(refuser.address() as AddressInfo).port}`).exec({ ...req, timeoutMs: 300 }, new AbortController().signal));
    assert.equal((refused as { kind: string }).kind, 'timeout');
  } finally {
    for (const s of sockets) s.destroy();
    raw.close();
    refuser.closeAllConnections();
    refuser.close();
  }
});

test('300,000 tiny frames: output bounded, the status still read, in reasonable time', async () => {
  behaviour = (ws) => {
    const one = frame(1, 'x');
    for (let i = 0; i < 300_000; i++) ws.send(one);
    ws.send(frame(3, JSON.stringify({ status: 'Success' })));
  };
  const t0 = Date.now();
  const out = (await executor().exec({ ...req, timeoutMs: 60_000 }, new AbortController().signal)) as { kind: string; stdout: string; truncated: boolean };
  assert.equal(out.kind, 'exited');
  assert.equal(out.stdout.length, 1024);
  assert.equal(out.truncated, true);
  assert.ok(Date.now() - t0 < 30_000, `${Date.now() - t0} ms`);
});

test('an abort during the handshake rejects, and leaves nothing behind', async () => {
  const raw = createNetServer((socket) => socket.on('error', () => {})); // accepts, never answers
  await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
  try {
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error('stop')), 100);
    await settledClean(() => assert.rejects(executor(`http://127.0.0.1:${(raw.address() as AddressInfo).port}`).exec(req, ac.signal), /stop/));
  } finally {
    raw.close();
  }
});
