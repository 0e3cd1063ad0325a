// What the HTTP layer writes to the log and to the latency histogram (issue 15 point 5):
// probes at debug, request ids that two processes never share, a job's id on every line of
// the requests about it, and event streams kept out of the request-latency histogram.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { PodRef } from '../../src/domain/types.ts';
import { requestIds } from '../../src/http/request-log.ts';
import { json, testApp, type TestApp } from './helpers.ts';
import { connect } from './sse-client.ts';

type Line = Record<string, unknown>;
const DEBUG = 20;
const INFO = 30;

const lines = (a: TestApp): Line[] => a.logs.flatMap((chunk) => chunk.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Line));
const urlOf = (l: Line): string | undefined => (l['req'] as { url?: string } | undefined)?.url;

describe('request logs', () => {
  test('probes (/healthz, /readyz, /metrics) log at debug, never at info; a failing readyz still says so at info', async (t) => {
    const a = await testApp({ logLevel: 'debug' });
    t.after(() => a.close());
    for (const url of ['/healthz', '/readyz', '/metrics']) assert.equal((await a.app.inject({ url })).statusCode, 200);
    await a.app.inject({ method: 'POST', url: '/v1/jobs', ...json({ pods: [{ namespace: 'a', name: 'b' }] }) });

    const all = lines(a);
    const ids = new Map<unknown, string>(all.filter((l) => l['msg'] === 'incoming request').map((l) => [l['reqId'], urlOf(l) ?? '']));
    const ofUrl = (url: string): Line[] => all.filter((l) => ids.get(l['reqId']) === url);
    for (const url of ['/healthz', '/readyz', '/metrics']) {
      const probe = ofUrl(url);
      assert.deepEqual(probe.map((l) => [l['msg'], l['level']]), [['incoming request', DEBUG], ['request completed', DEBUG]], url);
    }
    // Everything else keeps Fastify's info lines.
    assert.deepEqual(ofUrl('/v1/jobs').filter((l) => l['msg'] !== 'job created').map((l) => [l['msg'], l['level']]), [['incoming request', INFO], ['request completed', INFO]]);

    a.health.redis = { ok: false, error: 'down' };
    const before = lines(a).length;
    assert.equal((await a.app.inject({ url: '/readyz' })).statusCode, 503);
    const notReady = lines(a).slice(before).find((l) => l['msg'] === 'request completed');
    assert.equal(notReady?.['level'], INFO, 'a probe that fails is worth an info line');
  });

  test('request ids: a random per-process prefix and a counter, never the same in two processes', async (t) => {
    const next = requestIds('p1');
    assert.deepEqual([next({} as never), next({} as never), next({} as never)], ['p1-1', 'p1-2', 'p1-3']);

    // Two API processes, each with its own app, as two replicas or a restart would be.
    const a = await testApp();
    const b = await testApp();
    t.after(async () => {
      await a.close();
      await b.close();
    });
    for (let i = 0; i < 3; i++) {
      await a.app.inject({ url: '/v1/jobs/x' });
      await b.app.inject({ url: '/v1/jobs/x' });
    }
    const reqIds = (x: TestApp): Set<unknown> => new Set(lines(x).map((l) => l['reqId']).filter((id) => id !== undefined));
    const ia = reqIds(a);
    const ib = reqIds(b);
    assert.equal(ia.size, 3);
    assert.equal(ib.size, 3);
    for (const id of ia) {
      assert.match(String(id), /^[0-9a-f]{8}-[0-9a-z]+$/);
      assert.ok(!ib.has(id), `request id ${String(id)} is used by both processes`);
    }
  });

  test("a job's routes log with its id: the POST from the moment it is created, GET and DELETE once routed", async (t) => {
    const a = await testApp();
    t.after(() => a.close());
    const created = await a.app.inject({ method: 'POST', url: '/v1/jobs', ...json({ selector: { namespaces: ['db'], labelSelector: 'app=pg' } }) });
    const id = created.json().id as string;
    const post = lines(a);
    const made = post.find((l) => l['msg'] === 'job created');
    assert.ok(made);
    assert.equal(made['jobId'], id);
    assert.equal(made['trigger'], 'selector');
    assert.equal(made['caller'], 'anonymous');
    assert.equal(made['labelSelector'], 'app=pg');
    assert.equal(post.find((l) => l['msg'] === 'request completed')?.['jobId'], id);

    // An idempotent replay names the job it answers with, too.
    const key = { 'idempotency-key': 'k1' };
    const first = await a.app.inject({ method: 'POST', url: '/v1/jobs', headers: { ...json({}).headers, ...key }, payload: JSON.stringify({ pods: [{ namespace: 'a', name: 'b' }] }) });
    const before = lines(a).length;
    const again = await a.app.inject({ method: 'POST', url: '/v1/jobs', headers: { ...json({}).headers, ...key }, payload: JSON.stringify({ pods: [{ namespace: 'a', name: 'b' }] }) });
    assert.equal(again.statusCode, 200);
    const replay = lines(a).slice(before);
    assert.equal(replay.find((l) => l['msg'] === 'request completed')?.['jobId'], first.json().id);
    assert.ok(!replay.some((l) => l['msg'] === 'job created'), 'a replay creates nothing');

    for (const [method, url] of [['GET', `/v1/jobs/${id}`], ['DELETE', `/v1/jobs/${id}`]] as const) {
      const from = lines(a).length;
      await a.app.inject({ method, url });
      // "incoming request" is written before routing, with the id in its URL; every line after it has the field.
      const [incoming, ...rest] = lines(a).slice(from);
      assert.equal(incoming?.['msg'], 'incoming request');
      assert.ok(rest.length >= 1);
      assert.ok(rest.every((l) => l['jobId'] === id), `${method}: ${JSON.stringify(rest)}`);
    }
  });
});

describe('request-latency histogram', () => {
  test('event streams are counted as requests but kept out of the latency histogram', async (t) => {
    const a = await testApp();
    t.after(() => a.close());
    const base = await a.app.listen({ host: '127.0.0.1', port: 0 });
    const pods: PodRef[] = [{ namespace: 'db', name: 'pg-0' }];
    const id = (await a.app.inject({ method: 'POST', url: '/v1/jobs', ...json({ pods }) })).json().id as string;
    await a.store.setPods(id, pods, 1);
    await a.store.setPodStatus(id, 0, 'succeeded', null, 2);
    await a.store.finishJob(id, 3);
    const sse = await connect(`${base}/v1/jobs/${id}/events`);
    assert.equal(sse.status, 200);
    await sse.collect((f) => f.event === 'done');
    await sse.ended;
    await a.app.inject({ url: `/v1/jobs/${id}` });

    const text = (await a.app.inject({ url: '/metrics' })).body;
    assert.match(text, /hookd_http_requests_total\{method="GET",route="\/v1\/jobs\/:id\/events",status_code="200"\} 1/);
    assert.doesNotMatch(text, /hookd_http_request_duration_seconds_count\{[^}]*route="\/v1\/jobs\/:id\/events"/);
    assert.match(text, /hookd_http_request_duration_seconds_count\{method="GET",route="\/v1\/jobs\/:id"\} 1/);
  });
});
