// Following a job's event stream through breaks: the plugin reconnects with Last-Event-ID
// (no change missed or shown twice), stops on 204, gives up after breaks that bring
// nothing, and turns answers that are not hookd's into errors a person can read. hookd is
// played by a fetch that answers from a script (the real stream is in test/e2e).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError, createClient, TransportError } from '../../src/cli/client.ts';
import { followJob } from '../../src/cli/follow.ts';
import type { HookEvent } from '../../src/cli/progress.ts';

type Answer = () => Response;

function scripted(answers: Answer[]): { fetch: typeof fetch; requests: { url: string; headers: Headers }[] } {
  const requests: { url: string; headers: Headers }[] = [];
  const fake = (async (input: string | URL | Request, init?: RequestInit) => {
    requests.push({ url: String(input), headers: new Headers(init?.headers) });
    const next = answers.shift();
    if (!next) throw new Error(`unexpected request ${String(input)}`);
    return next();
  }) as typeof fetch;
  return { fetch: fake, requests };
}

const stream = (text: string): Answer => () => new Response(text, { status: 200, headers: { 'content-type': 'text/event-stream; charset=utf-8' } });
const hook = (id: string, phase: string): string =>
  `id: ${id}\nevent: hook\ndata: ${JSON.stringify({ namespace: 'demo', pod: 'cache-0', index: 0, name: 'h', phase })}\n\n`;
const DONE = (id: string): string => `id: ${id}\nevent: done\ndata: {"status":"completed","summary":{"pods":1}}\n\n`;
const noSleep = async (): Promise<void> => undefined;

describe('followJob', () => {
  it('a stream that breaks before done is opened again with Last-Event-ID, after the retry the server asked for', async () => {
    const { fetch, requests } = scripted([stream(`retry: 1234\n\n${hook('1-0', 'running')}`), stream(`${hook('2-0', 'succeeded')}${DONE('3-0')}`)]);
    const seen: string[] = [];
    const slept: number[] = [];
    const done = await followJob(createClient({ server: 'http://h/', token: 't', timeoutMs: 1000, fetch }), 'j1', {
      onHook: (e: HookEvent) => seen.push(e.phase),
      sleep: async (ms) => void slept.push(ms),
    });
    assert.deepEqual(done, { status: 'completed', summary: { pods: 1 } });
    assert.deepEqual(seen, ['running', 'succeeded']);
    assert.deepEqual(slept, [1234]);
    assert.deepEqual(requests.map((r) => [r.url, r.headers.get('last-event-id'), r.headers.get('authorization'), r.headers.get('accept')]), [
      ['http://h/v1/jobs/j1/events', null, 'Bearer t', 'text/event-stream'],
      ['http://h/v1/jobs/j1/events', '1-0', 'Bearer t', 'text/event-stream'],
    ]);
  });

  it('204 on reconnecting: the job ended and nothing was missed', async () => {
    const { fetch } = scripted([stream(hook('1-0', 'running')), () => new Response(null, { status: 204 })]);
    assert.equal(await followJob(createClient({ server: 'http://h', token: null, timeoutMs: 0, fetch }), 'j1', { onHook: () => undefined, sleep: noSleep }), null);
  });

  it("gives up after breaks that bring nothing; hookd's 404 is final at once", async () => {
    const empty = Array.from({ length: 4 }, () => stream(': keep-alive\n\n'));
    await assert.rejects(
      followJob(createClient({ server: 'http://h', token: null, timeoutMs: 0, fetch: scripted(empty).fetch }), 'j1', { onHook: () => undefined, sleep: noSleep, maxReconnects: 3 }),
      (e: unknown) => e instanceof TransportError && /kept ending before the job did/.test(e.message),
    );
    const notFound = () => new Response(JSON.stringify({ statusCode: 404, code: 'HOOKD_JOB_NOT_FOUND', error: 'Not Found', message: 'job j1 not found' }), { status: 404 });
    await assert.rejects(
      followJob(createClient({ server: 'http://h', token: null, timeoutMs: 0, fetch: scripted([notFound]).fetch }), 'j1', { onHook: () => undefined, sleep: noSleep }),
      (e: unknown) => e instanceof ApiError && e.code === 'HOOKD_JOB_NOT_FOUND' && e.statusCode === 404,
    );
  });
});

describe('client answers that are not the API', () => {
  it("a proxy's error page: its status and the start of its text", async () => {
    const { fetch } = scripted([() => new Response('<html>\n<h1>502 Bad Gateway</h1></html>', { status: 502, statusText: 'Bad Gateway' })]);
    await assert.rejects(createClient({ server: 'http://h', token: null, timeoutMs: 0, fetch }).job('j1'), (e: unknown) => e instanceof ApiError && e.code === 'HTTP 502' && e.message === '<html> <h1>502 Bad Gateway</h1></html>');
  });

  it('a 200 that is not JSON, or not the object asked for; an event stream that is not one', async () => {
    const html = () => new Response('<html></html>', { status: 200 });
    await assert.rejects(createClient({ server: 'http://h', token: null, timeoutMs: 0, fetch: scripted([html]).fetch }).job('j1'), /GET http:\/\/h\/v1\/jobs\/j1: the answer \(200\) is not JSON/);
    const other = () => new Response('{"hello":1}', { status: 200 });
    await assert.rejects(createClient({ server: 'http://h', token: null, timeoutMs: 0, fetch: scripted([other]).fetch }).job('j1'), /hookd answered something that is not a job/);
    await assert.rejects(createClient({ server: 'http://h', token: null, timeoutMs: 0, fetch: scripted([other]).fetch }).events('j1', null, new AbortController().signal), /not an event stream \(text\/plain/);
  });

  it('--request-timeout: a request without an answer in time says so', async () => {
    const hang = ((_: unknown, init?: RequestInit) =>
      new Promise((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal?.reason as Error)))) as typeof fetch;
    await assert.rejects(createClient({ server: 'http://h', token: null, timeoutMs: 50, fetch: hang }).job('j1'), (e: unknown) => e instanceof TransportError && e.message === 'GET http://h/v1/jobs/j1: no answer within 50 ms');
  });

  it('ids and names are escaped into the path; query parameters only when set', async () => {
    const { fetch, requests } = scripted([
      () => new Response('{"jobs":[],"nextCursor":null}'),
      () => new Response('{"dryRun":true}'),
    ]);
    const c = createClient({ server: 'http://h', token: null, timeoutMs: 0, fetch });
    await c.listJobs({ restore: 'a b', status: null, limit: 5, cursor: null });
    await c.submitRestore('velero', 'x/y', { dryRun: true, failFast: false, idempotencyKey: 'k' });
    assert.deepEqual(requests.map((r) => r.url), ['http://h/v1/jobs?restore=a+b&limit=5', 'http://h/v1/velero/restores/velero/x%2Fy/jobs?dryRun=true']);
    assert.equal(requests[1]?.headers.get('idempotency-key'), 'k');
  });
});
