// Whatever a client sends, the answer is a 4xx in the documented shape with a HOOKD_ code:
// JSON nested to any depth, bad percent-encoding, over-long path parameters, malformed
// HTTP, oversized headers, Last-Event-IDs that match the pattern but that Redis would refuse,
// requests Node answers itself (no Host, CONNECT, an unknown Expect).

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { isEventId } from '../../src/store/events.ts';
import { rawRequest, testApp, type TestApp } from './helpers.ts';

let t: TestApp;
let port = 0;
before(async () => {
  t = await testApp();
  port = Number(new URL(await t.app.listen({ port: 0, host: '127.0.0.1' })).port);
});
after(() => t.close());

/** A raw request; the answer's status and parsed JSON body. */
async function raw(request: string): Promise<{ status: number; body: { statusCode: number; code: string; error: string; message: string } }> {
  const answer = await rawRequest(port, request);
  return { status: answer.status, body: JSON.parse(answer.body) };
}

function inShape(r: { status: number; body: { statusCode: number; code: string; error: string; message: string } }, status: number, code: string): void {
  assert.equal(r.status, status, JSON.stringify(r.body));
  assert.deepEqual(Object.keys(r.body).sort(), ['code', 'error', 'message', 'statusCode']);
  assert.equal(r.body.statusCode, status);
  assert.equal(r.body.code, code);
}

test('JSON nested 100,000 deep is a 400, not a stack overflow', async () => {
  const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
  const res = await t.app.inject({ method: 'POST', url: '/v1/jobs', headers: { 'content-type': 'application/json' }, payload: `{"pods":${deep}}` });
  inShape({ status: res.statusCode, body: res.json() }, 400, 'HOOKD_REQUEST_MALFORMED_JSON');
  assert.match(res.json().message, /deeper than 64 levels/);
  // Brackets inside strings are text, not nesting.
  const inString = await t.app.inject({ method: 'POST', url: '/v1/jobs', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ pods: [{ namespace: 'db', name: 'p' }], restore: '['.repeat(200) }) });
  assert.equal(inString.statusCode, 202, inString.body);
});

test('bad percent-encoding, over-long ids and Restore names', async () => {
  inShape(await raw('GET /v1/jobs/%zz HTTP/1.1\r\nHost: localhost\r\n\r\n'), 400, 'HOOKD_REQUEST_BAD');
  inShape(await raw(`GET /v1/jobs/${'a'.repeat(400)} HTTP/1.1\r\nHost: localhost\r\n\r\n`), 414, 'HOOKD_REQUEST_URI_TOO_LONG');
  inShape(await raw(`POST /v1/velero/restores/${'a'.repeat(400)}/r/jobs HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n`), 414, 'HOOKD_REQUEST_URI_TOO_LONG');
});

test('malformed HTTP and oversized headers', async () => {
  inShape(await raw(`GET /v1/jobs HTTP/1.1\r\nHost: localhost\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`), 431, 'HOOKD_REQUEST_HEADERS_TOO_LARGE');
  inShape(await raw('GARBAGE\r\n\r\n'), 400, 'HOOKD_REQUEST_BAD');
  inShape(await raw('GET / HTTP/9.9\r\n\r\n'), 400, 'HOOKD_REQUEST_BAD');
});

test('a Last-Event-ID Redis would refuse is a 400 before Redis sees it', async () => {
  const post = await t.app.inject({ method: 'POST', url: '/v1/jobs', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ pods: [{ namespace: 'db', name: 'p' }] }) });
  const id = post.json().id as string;
  for (const last of ['18446744073709551616-0', '0-18446744073709551616', '18446744073709551615-18446744073709551615', '99999999999999999999-1']) {
    assert.equal(isEventId(last), false, last);
    const res = await t.app.inject({ method: 'GET', url: `/v1/jobs/${id}/events`, headers: { 'last-event-id': last } });
    inShape({ status: res.statusCode, body: res.json() }, 400, 'HOOKD_EVENTS_LAST_ID_INVALID');
  }
  assert.equal(isEventId('18446744073709551615-18446744073709551614'), true);
  assert.equal(isEventId('0-0'), true);
});

test('an HTTP/1.1 request without Host, or with two, is a 400 in the documented shape; with one, or in HTTP/1.0, it is served', async () => {
  const missing = await raw('GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n');
  inShape(missing, 400, 'HOOKD_REQUEST_BAD');
  assert.match(missing.body.message, /Host header/);
  const jobs = await raw('GET /v1/jobs HTTP/1.1\r\nConnection: close\r\n\r\n');
  inShape(jobs, 400, 'HOOKD_REQUEST_BAD');
  const withHost = await raw('GET /v1/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
  assert.equal(withHost.status, 200);
  const old = await raw('GET /v1/jobs HTTP/1.0\r\n\r\n');
  assert.equal(old.status, 200);
  const twice = await raw('GET /v1/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\nhost: evil.example\r\nConnection: close\r\n\r\n');
  inShape(twice, 400, 'HOOKD_REQUEST_BAD');
  assert.match(twice.body.message, /one Host header/);
  const older = await rawRequest(port, 'GET /v1/jobs HTTP/0.9\r\n\r\n');
  assert.doesNotMatch(older.body, /Host header/, 'HTTP/0.9 has no Host either');
});

test('CONNECT and an Expect other than 100-continue, which Node answers itself, are answered in the error shape', async () => {
  // Node closes a CONNECT without a word when nothing listens for it; hookd is no proxy.
  const queued = t.producer.enqueued.length;
  const connectAnswer = await raw('CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n');
  inShape(connectAnswer, 404, 'HOOKD_ROUTE_NOT_FOUND');
  assert.match(connectAnswer.body.message, /^route CONNECT example\.com:443 not found$/);
  // Node's own 417 has an empty body.
  const expectation = await raw('POST /v1/jobs HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nExpect: teapot\r\nContent-Length: 2\r\n\r\n{}');
  assert.equal(expectation.status, 417);
  assert.equal(expectation.body.statusCode, 417);
  assert.equal(expectation.body.code, 'HOOKD_REQUEST_BAD');
  assert.match(expectation.body.message, /Expect: "teapot" is not supported \(only 100-continue\)/);
  assert.equal(t.producer.enqueued.length, queued, 'nothing was queued');
  // 100-continue still works: the interim answer, then the request's own.
  const cont = await rawRequest(port, 'GET /healthz HTTP/1.1\r\nHost: localhost\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n');
  assert.equal(cont.status, 100);
  assert.match(cont.body, /^HTTP\/1\.1 200 /);
});
