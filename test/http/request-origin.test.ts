// DNS rebinding and cross-site requests: a Host that is not one of hookd's names is
// refused, and so is a state-changing request from a page of another origin.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { hostName } from '../../src/http/plugins/request-origin.ts';
import { testApp, type TestApp } from './helpers.ts';

let t: TestApp;
before(async () => {
  t = await testApp({ allowedHosts: loadConfig({}).allowedHosts ?? [] });
});
after(() => t.close());

const body = JSON.stringify({ pods: [{ namespace: 'db', name: 'p' }] });

test('the default allowlist on loopback: loopback names only', () => {
  assert.deepEqual(loadConfig({}).allowedHosts, ['localhost', '127.0.0.1', '::1']);
  assert.deepEqual(loadConfig({ HOOKD_HOST: '127.0.0.2' }).allowedHosts, ['localhost', '127.0.0.1', '::1', '127.0.0.2']);
  assert.deepEqual(loadConfig({ HOOKD_ALLOWED_HOSTS: 'Hookd.example.com, api' }).allowedHosts, ['hookd.example.com', 'api']);
  assert.equal(loadConfig({ HOOKD_ALLOWED_HOSTS: '*' }).allowedHosts, null);
  assert.equal(loadConfig({ HOOKD_HOST: '0.0.0.0', HOOKD_API_TOKENS: 'a-token-of-sixteen-chars' }).allowedHosts, null);
});

test('host names are read without port or brackets', () => {
  assert.equal(hostName('LOCALHOST:8080'), 'localhost');
  assert.equal(hostName('[::1]:8080'), '::1');
  assert.equal(hostName('127.0.0.1'), '127.0.0.1');
});

test('a rebinding name is refused on every route but the probes', async () => {
  for (const url of ['/v1/jobs', '/docs', '/metrics', '/openapi.json']) {
    const res = await t.app.inject({ method: 'GET', url, headers: { host: 'evil.example:8080' } });
    assert.equal(res.statusCode, 403, url);
    assert.equal(res.json().code, 'HOOKD_HOST_NOT_ALLOWED');
    assert.match(res.json().message, /Host "evil\.example:8080" .* HOOKD_ALLOWED_HOSTS/);
  }
  assert.equal((await t.app.inject({ method: 'GET', url: '/healthz', headers: { host: '10.1.2.3:8080' } })).statusCode, 200);
  // Prometheus scrapes a pod by its IP: an address is no rebinding name, on /metrics only.
  for (const host of ['10.1.2.3:8080', '[fd00::7]:8080']) {
    assert.equal((await t.app.inject({ method: 'GET', url: '/metrics', headers: { host } })).statusCode, 200, host);
    assert.equal((await t.app.inject({ method: 'GET', url: '/v1/jobs', headers: { host } })).statusCode, 403, host);
  }
  for (const host of ['localhost:8080', '127.0.0.1:9', '[::1]:8080']) {
    assert.equal((await t.app.inject({ method: 'GET', url: '/v1/jobs', headers: { host } })).statusCode, 200, host);
  }
});

test('a POST or DELETE from another origin is refused, with or without a body', async () => {
  const cases = [
    { method: 'POST' as const, url: '/v1/jobs', headers: { host: 'localhost:8080', origin: 'http://evil.example', 'content-type': 'application/json' }, payload: body },
    { method: 'POST' as const, url: '/v1/velero/restores/velero/r/jobs', headers: { host: 'localhost:8080', origin: 'http://evil.example' } },
    { method: 'POST' as const, url: '/v1/velero/restores/velero/r/jobs', headers: { host: 'localhost:8080', origin: 'null' } },
    { method: 'POST' as const, url: '/v1/velero/restores/velero/r/jobs', headers: { host: 'localhost:8080', origin: 'http://localhost:9999' } },
    { method: 'POST' as const, url: '/v1/velero/restores/velero/r/jobs', headers: { host: 'localhost:8080', 'sec-fetch-site': 'cross-site' } },
    { method: 'DELETE' as const, url: '/v1/jobs/j1', headers: { host: 'localhost:8080', origin: 'https://evil.example' } },
  ];
  for (const c of cases) {
    const res = await t.app.inject(c);
    assert.equal(res.statusCode, 403, JSON.stringify(c.headers));
    assert.equal(res.json().code, 'HOOKD_ORIGIN_FORBIDDEN');
  }
  assert.deepEqual(t.producer.enqueued, []);
});

test('the same origin, and clients that send no Origin, pass', async () => {
  const same = await t.app.inject({ method: 'POST', url: '/v1/jobs', headers: { host: 'localhost:8080', origin: 'http://localhost:8080', 'content-type': 'application/json' }, payload: body });
  assert.equal(same.statusCode, 202, same.body);
  const curl = await t.app.inject({ method: 'POST', url: '/v1/jobs', headers: { host: '127.0.0.1:8080', 'content-type': 'application/json' }, payload: body });
  assert.equal(curl.statusCode, 202, curl.body);
  const read = await t.app.inject({ method: 'GET', url: '/v1/jobs', headers: { host: 'localhost:8080', origin: 'http://evil.example' } });
  assert.equal(read.statusCode, 200, 'reads are not state-changing (and CORS keeps their answers from the page)');
});
