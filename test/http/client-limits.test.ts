// Limits per client: a request budget shared through Redis (429 + Retry-After, counted
// before authentication), event streams per client, and socket timeouts that really
// fire: an idle socket, a slowloris header trickle and a body that never ends are all
// closed within their limits (measured here with small limits).

import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { test } from 'node:test';
import { testApp } from './helpers.ts';

test('the request budget is shared by two API replicas, counted before the token check, and answered 429 with Retry-After', async (t) => {
  const a = await testApp({ rateLimit: { limit: 5, windowMs: 60_000 }, tokens: ['a-token-of-sixteen-chars'] });
  t.after(() => a.close());
  // A second replica on the same Redis and prefix: the same budget.
  const { createRateLimiter } = await import('../../src/store/rate-limit.ts');
  const shared = createRateLimiter({ redis: a.redis, prefix: a.prefix, limit: 5, windowMs: 60_000 });
  const statuses: number[] = [];
  for (let i = 0; i < 3; i++) statuses.push((await a.app.inject({ method: 'GET', url: '/v1/jobs', headers: { authorization: 'Bearer wrong-token-wrong-token' } })).statusCode);
  assert.deepEqual(statuses, [401, 401, 401]);
  assert.equal((await shared.take('ip:127.0.0.1')).allowed, true, 'the 4th unit, spent on the other replica');
  assert.equal((await a.app.inject({ method: 'GET', url: '/v1/jobs', headers: { authorization: 'Bearer a-token-of-sixteen-chars' } })).statusCode, 200);
  const limited = await a.app.inject({ method: 'GET', url: '/v1/jobs', headers: { authorization: 'Bearer a-token-of-sixteen-chars' } });
  assert.equal(limited.statusCode, 429);
  assert.equal(limited.json().code, 'HOOKD_RATE_LIMITED');
  const retry = Number(limited.headers['retry-after']);
  assert.ok(retry >= 1 && retry <= 60, `Retry-After ${limited.headers['retry-after']}`);
  assert.match(limited.json().message, new RegExp(`retry in ${retry} s`));
  assert.equal((await a.app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200, 'probes are not limited');
});

test('event streams per client are capped below the process cap', async (t) => {
  const a = await testApp({ limits: { maxSsePerClient: 2, maxSseClients: 100 } });
  t.after(() => a.close());
  const post = await a.app.inject({ method: 'POST', url: '/v1/jobs', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ pods: [{ namespace: 'db', name: 'p' }] }) });
  const id = post.json().id as string;
  const url = await a.app.listen({ port: 0, host: '127.0.0.1' });
  const controllers = [new AbortController(), new AbortController()];
  for (const c of controllers) assert.equal((await fetch(`${url}/v1/jobs/${id}/events`, { signal: c.signal })).status, 200);
  const third = await fetch(`${url}/v1/jobs/${id}/events`);
  assert.equal(third.status, 429);
  assert.equal(((await third.json()) as { code: string }).code, 'HOOKD_LIMIT_SSE_PER_CLIENT');
  controllers[0]?.abort();
  const deadline = Date.now() + 5000;
  let again = 429;
  while (again === 429 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    const res = await fetch(`${url}/v1/jobs/${id}/events`, { signal: AbortSignal.timeout(2000) }).catch(() => null);
    again = res?.status ?? 0;
    if (res?.status === 200) await res.body?.cancel();
  }
  assert.equal(again, 200, 'a closed stream frees its place');
  controllers[1]?.abort();
});

/** A raw client socket on the app's port; `closed` resolves when it closes, with what it read and its error. */
interface RawClient {
  readonly socket: Socket;
  readonly closed: Promise<{ ms: number; text: string; error: string | null }>;
}

function rawClient(port: number, started: number): Promise<RawClient> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => resolve({ socket, closed }));
    let text = '';
    let error: string | null = null;
    socket.on('data', (d: Buffer) => (text += d.toString('utf8')));
    // A server that closes a socket its client is still writing to may reset it (ECONNRESET,
    // or EPIPE on the next write): that is the socket's end, not a failure of the test. The
    // answer read before it is asserted on. (events.once(socket, 'close') would reject here.)
    socket.on('error', (err: Error & { code?: string }) => (error ??= err.code ?? err.message));
    const closed = new Promise<{ ms: number; text: string; error: string | null }>((done) => socket.on('close', () => done({ ms: Date.now() - started, text, error })));
  });
}

test('idle, slowloris and slow-body sockets are closed within their limits', async (t) => {
  const a = await testApp({ limits: { requestTimeoutMs: 1500, idleTimeoutMs: 5000 } });
  const sockets: Socket[] = [];
  const timers: NodeJS.Timeout[] = [];
  // An assertion that fails early must not leave the trickles running and the sockets open:
  // close() would wait on them.
  t.after(async () => {
    for (const timer of timers) clearInterval(timer);
    for (const s of sockets) s.destroy();
    await a.close();
  });
  const url = await a.app.listen({ port: 0, host: '127.0.0.1' });
  const port = Number(new URL(url).port);
  const started = Date.now();
  const open = async (): Promise<RawClient> => {
    const c = await rawClient(port, started);
    sockets.push(c.socket);
    return c;
  };
  const idle = await open();
  const loris = await open();
  loris.socket.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\n');
  timers.push(setInterval(() => loris.socket.writable && loris.socket.write('X-a: b\r\n'), 300));
  const body = await open();
  body.socket.write('POST /v1/jobs HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{');
  timers.push(setInterval(() => body.socket.writable && body.socket.write(' '), 300));
  const keep = await open();
  keep.socket.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n');
  const [i, l, b, k] = await Promise.all([idle.closed, loris.closed, body.closed, keep.closed]);
  // Limit 1.5 s, looked at every 375 ms; the keep-alive socket ends 3 s before the 5 s idle limit.
  for (const [name, r] of [['idle', i], ['slowloris', l], ['slow body', b]] as const) {
    assert.ok(r.ms >= 1400 && r.ms < 3500, `${name} closed after ${r.ms} ms`);
    assert.match(r.text, /^HTTP\/1\.1 408/, `${name}: a 408 before the close (socket error: ${r.error ?? 'none'})`);
  }
  assert.match(b.text, /HOOKD_REQUEST_TIMEOUT/, 'a body that never ends is a 408, not a 503');
  assert.match(k.text, /^HTTP\/1\.1 200/);
  assert.equal(k.error, null, 'the keep-alive socket ends cleanly');
  assert.ok(k.ms >= 1500 && k.ms < 4000, `keep-alive closed after ${k.ms} ms`);
});

test('close() does not wait for ever on a slowloris or a slow body: it ends them one request timeout after it began', async (t) => {
  const a = await testApp({ limits: { requestTimeoutMs: 1000, idleTimeoutMs: 5000 } });
  const sockets: Socket[] = [];
  const timers: NodeJS.Timeout[] = [];
  let closing: Promise<void> | null = null;
  t.after(async () => {
    for (const timer of timers) clearInterval(timer);
    for (const s of sockets) s.destroy();
    await (closing ?? a.close());
  });
  const url = await a.app.listen({ port: 0, host: '127.0.0.1' });
  const port = Number(new URL(url).port);
  const started = Date.now();
  const loris = await rawClient(port, started);
  const body = await rawClient(port, started);
  sockets.push(loris.socket, body.socket);
  loris.socket.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\n');
  timers.push(setInterval(() => loris.socket.writable && loris.socket.write('X-a: b\r\n'), 100));
  body.socket.write('POST /v1/jobs HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{');
  timers.push(setInterval(() => body.socket.writable && body.socket.write(' '), 100));
  await new Promise((r) => setTimeout(r, 100));
  // Closed before either request's limit: Node stops looking for late requests at close().
  const closeStarted = Date.now();
  closing = a.close();
  const bound = new Promise<'still open'>((r) => setTimeout(() => r('still open'), 4000).unref());
  assert.equal(await Promise.race([closing.then(() => 'closed' as const), bound]), 'closed', 'close() ends within the request timeout and one check');
  const took = Date.now() - closeStarted;
  assert.ok(took >= 900 && took < 2500, `close() took ${took} ms`);
  const [l, b] = await Promise.all([loris.closed, body.closed]);
  assert.ok(l.ms < 3000 && b.ms < 3000, `sockets closed after ${l.ms} and ${b.ms} ms`);
});
