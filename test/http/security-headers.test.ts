// Browsers get what keeps them safe: nosniff everywhere, no-store on job views and event
// streams (they hold command output), a strict CSP on Swagger UI, and no token kept in
// localStorage unless the operator asks for it.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { testApp, type TestApp } from './helpers.ts';

let t: TestApp;
before(async () => {
  t = await testApp();
});
after(() => t.close());

test('job views: nosniff, no-store, a CSP that loads nothing', async () => {
  const post = await t.app.inject({ method: 'POST', url: '/v1/jobs', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ pods: [{ namespace: 'db', name: 'p' }] }) });
  assert.equal(post.statusCode, 202);
  for (const url of ['/v1/jobs', `/v1/jobs/${post.json().id}`, '/v1/jobs/unknown']) {
    const res = await t.app.inject({ method: 'GET', url });
    assert.equal(res.headers['x-content-type-options'], 'nosniff', url);
    assert.equal(res.headers['cache-control'], 'no-store', url);
    assert.equal(res.headers['content-security-policy'], "default-src 'none'; frame-ancestors 'none'", url);
  }
});

test('Swagger UI: scripts from this origin only, no inline script, no framing; the token is not persisted', async () => {
  const page = await t.app.inject({ method: 'GET', url: '/docs/' });
  assert.equal(page.statusCode, 200);
  const csp = String(page.headers['content-security-policy']);
  assert.match(csp, /script-src 'self'(;|$)/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.doesNotMatch(csp, /script-src[^;]*unsafe/);
  assert.equal(page.headers['x-content-type-options'], 'nosniff');
  assert.doesNotMatch(page.body, /<script>(?!\s*<\/script>)|<script[^>]*>[^<\s]/, 'no inline script in the page');
  const init = await t.app.inject({ method: 'GET', url: '/docs/static/swagger-initializer.js' });
  assert.match(init.body, /"persistAuthorization":\s*false/);
});

test('Swagger UI keeps the token only when configured to', async () => {
  const persisted = await testApp({ docsPersistToken: true });
  try {
    const init = await persisted.app.inject({ method: 'GET', url: '/docs/static/swagger-initializer.js' });
    assert.match(init.body, /"persistAuthorization":\s*true/);
  } finally {
    await persisted.close();
  }
});
