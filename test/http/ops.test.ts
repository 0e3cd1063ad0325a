// Operations routes (healthz, readyz, metrics, docs), bearer auth, and the 503 a request
// gets when Redis is down (invalid input or a missing dependency is never a bare 500).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { createRedisStore } from '../../src/store/redis-store.ts';
import { testSealer } from '../helpers/redis.ts';
import { json, testApp } from './helpers.ts';

describe('health and readiness', () => {
  test('healthz answers; readyz checks Redis and Kubernetes and names what is down', async (t) => {
    const a = await testApp();
    t.after(() => a.close());
    assert.deepEqual((await a.app.inject({ url: '/healthz' })).json(), { status: 'ok' });
    const ready = await a.app.inject({ url: '/readyz' });
    assert.equal(ready.statusCode, 200);
    assert.deepEqual(ready.json(), { status: 'ready', checks: { redis: { ok: true }, kube: { ok: true } } });

    a.health.redis = { ok: false, error: 'connect ECONNREFUSED 127.0.0.1:6379' };
    let res = await a.app.inject({ url: '/readyz' });
    assert.equal(res.statusCode, 503);
    assert.equal(res.json().code, 'HOOKD_NOT_READY');
    assert.equal(res.json().error, 'Service Unavailable');
    assert.match(res.json().message, /^not ready: redis: connect ECONNREFUSED/);
    assert.doesNotMatch(res.json().message, /kubernetes/);
    assert.deepEqual(res.json().checks.redis, { ok: false, error: 'connect ECONNREFUSED 127.0.0.1:6379' });

    a.health.redis = { ok: true };
    a.health.kube = { ok: false, error: 'Unauthorized' };
    res = await a.app.inject({ url: '/readyz' });
    assert.equal(res.statusCode, 503);
    assert.match(res.json().message, /^not ready: kubernetes: Unauthorized$/);
  });

  test('a request while Redis is down is a 503 HOOKD_STORE_UNAVAILABLE, not a 500', async (t) => {
    const down = new Redis({ port: 1, lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
    down.on('error', () => undefined);
    const a = await testApp({
      // The API's own connection settings (redis.ts): no offline queue, so calls fail at once.
      store: (_redis, prefix) => createRedisStore({ redis: down, prefix, retentionMs: 1000, sealer: testSealer() }),
    });
    t.after(async () => {
      await a.close();
      down.disconnect();
    });
    const res = await a.app.inject({ url: '/v1/jobs/anything' });
    assert.equal(res.statusCode, 503);
    assert.equal(res.json().code, 'HOOKD_STORE_UNAVAILABLE');
    assert.equal(res.headers['retry-after'], '5');
  });
});

describe('metrics', () => {
  test('Prometheus text with HTTP requests by route template and jobs created', async (t) => {
    const a = await testApp();
    t.after(() => a.close());
    await a.app.inject({ method: 'POST', url: '/v1/jobs', ...json({ pods: [{ namespace: 'a', name: 'b' }] }) });
    await a.app.inject({ url: '/v1/jobs/some-id' });
    const res = await a.app.inject({ url: '/metrics' });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/plain/);
    assert.match(res.body, /hookd_jobs_created_total\{trigger="api"\} 1/);
    assert.match(res.body, /hookd_http_requests_total\{method="POST",route="\/v1\/jobs",status_code="202"\} 1/);
    assert.match(res.body, /hookd_http_requests_total\{method="GET",route="\/v1\/jobs\/:id",status_code="404"\} 1/);
    assert.match(res.body, /hookd_sse_clients 0/);
  });
});

describe('bearer tokens', () => {
  test('every /v1 route needs a valid token; operations routes stay open', async (t) => {
    const a = await testApp({ tokens: ['s3cret', 'other-token'] });
    t.after(() => a.close());
    const routes = [
      { method: 'GET', url: '/v1/jobs' },
      { method: 'GET', url: '/v1/jobs/x' },
      { method: 'DELETE', url: '/v1/jobs/x' },
      { method: 'GET', url: '/v1/jobs/x/events' },
      { method: 'POST', url: '/v1/jobs' },
      { method: 'POST', url: '/v1/velero/restores/velero/r/jobs' },
    ] as const;
    for (const r of routes) {
      for (const authorization of [undefined, 'Bearer wrong', 'Basic czNjcmV0', 'Bearer s3cret2']) {
        const res = await a.app.inject({ method: r.method, url: r.url, headers: authorization ? { authorization } : {} });
        assert.equal(res.statusCode, 401, `${r.method} ${r.url} with ${authorization}`);
        assert.equal(res.json().code, 'HOOKD_AUTH_REQUIRED');
        assert.equal(res.headers['www-authenticate'], 'Bearer');
      }
    }
    const ok = await a.app.inject({ url: '/v1/jobs', headers: { authorization: 'Bearer other-token' } });
    assert.equal(ok.statusCode, 200);
    const post = await a.app.inject({ method: 'POST', url: '/v1/jobs', ...json({ pods: [{ namespace: 'a', name: 'b' }] }), headers: { 'content-type': 'application/json', authorization: 'bearer s3cret' } });
    assert.equal(post.statusCode, 202);
    for (const url of ['/healthz', '/readyz', '/metrics', '/openapi.json', '/docs', '/docs/json']) {
      assert.equal((await a.app.inject({ url })).statusCode, 200, url);
    }
    assert.ok(!a.logs.join('').includes('s3cret'), 'tokens never reach the log');
  });
});

describe('Swagger UI', () => {
  test('/docs serves the UI, which loads the same document as /openapi.json', async (t) => {
    const a = await testApp();
    t.after(() => a.close());
    const page = await a.app.inject({ url: '/docs' });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /swagger-ui/i);
    const init = await a.app.inject({ url: '/docs/static/swagger-initializer.js' });
    assert.match(init.body, /resolveUrl\('\.\/json'\)/);
    const doc = (await a.app.inject({ url: '/openapi.json' })).json();
    assert.deepEqual((await a.app.inject({ url: '/docs/json' })).json(), doc);
    // No servers: "Try it out" goes to the origin that served the document.
    assert.equal(doc.servers, undefined);
    assert.deepEqual(doc.components.securitySchemes.bearerAuth, { type: 'http', scheme: 'bearer', description: doc.components.securitySchemes.bearerAuth.description });
  });
});
