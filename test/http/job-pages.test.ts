// Large jobs over HTTP (api.md "Large jobs"): GET /v1/jobs/{id}?view=summary and
// GET /v1/jobs/{id}/pods with its limits, cursor, status filter, errors and ownership.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { tokensPolicy } from '../../src/auth/policy.ts';
import { parseTokens, tokenTable } from '../../src/auth/tokens-file.ts';
import { json, testApp, type TestApp } from './helpers.ts';

const ALICE = 'alice-token-0123456789';
const BOB = 'bob-token-0123456789abc';
const FILE = `
- { name: alice, token: ${ALICE}, rights: [submit, read] }
- { name: bob, token: ${BOB}, rights: [submit, read] }
`;
const as = (token: string) => ({ authorization: `Bearer ${token}` });

interface Page {
  pods: { namespace: string; name: string; status: string }[];
  nextCursor: string | null;
}

let a: TestApp;
let id: string;
const PODS = 2345;

before(async () => {
  a = await testApp({ access: tokensPolicy(tokenTable(parseTokens(FILE, 'tokens'))) });
  const body = { pods: Array.from({ length: PODS }, (_, i) => ({ namespace: 'db', name: `pg-${i}` })) };
  const r = await a.app.inject({ method: 'POST', url: '/v1/jobs', ...json(body), headers: { ...json(body).headers, ...as(ALICE) } });
  assert.equal(r.statusCode, 202);
  id = r.json().id;
});
after(() => a.close());

const get = (url: string, token = ALICE) => a.app.inject({ method: 'GET', url, headers: as(token) });

describe('GET /v1/jobs/{id}?view=summary', () => {
  test('the job without pods, with the same fields and summary as the full view', async () => {
    const full = (await get(`/v1/jobs/${id}`)).json();
    const r = await get(`/v1/jobs/${id}?view=summary`);
    assert.equal(r.statusCode, 200);
    const summary = r.json();
    assert.equal('pods' in summary, false);
    const { pods, ...rest } = full;
    assert.equal(pods.length, PODS);
    assert.deepEqual(summary, rest);
    assert.ok(r.body.length < 1000, `small: ${r.body.length} bytes`);
    assert.deepEqual((await get(`/v1/jobs/${id}?view=full`)).json(), full);
  });

  test('a view that does not exist is a 400; an unknown job a 404', async () => {
    const bad = await get(`/v1/jobs/${id}?view=compact`);
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().code, 'HOOKD_REQUEST_INVALID');
    assert.match(bad.json().message, /querystring\.view/);
    assert.equal((await get('/v1/jobs/nope?view=summary')).json().code, 'HOOKD_JOB_NOT_FOUND');
  });
});

describe('GET /v1/jobs/{id}/pods', () => {
  test('100 pods by default; pages of up to 1,000 give every pod once, in order', async () => {
    const first = await get(`/v1/jobs/${id}/pods`);
    assert.equal(first.statusCode, 200);
    assert.equal(first.headers['cache-control'], 'no-store');
    const page = first.json<Page>();
    assert.equal(page.pods.length, 100);
    assert.equal(page.pods[0]?.name, 'pg-0');
    assert.ok(page.nextCursor);

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const q: string = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`;
      const r = await get(`/v1/jobs/${id}/pods?limit=1000${q}`);
      assert.equal(r.statusCode, 200);
      const p: Page = r.json<Page>();
      seen.push(...p.pods.map((x) => x.name));
      cursor = p.nextCursor;
      pages++;
    } while (cursor !== null);
    assert.equal(pages, 3);
    assert.deepEqual(seen, Array.from({ length: PODS }, (_, i) => `pg-${i}`));
  });

  test('the status filter', async () => {
    await a.store.setPods(id, Array.from({ length: PODS }, (_, i) => ({ namespace: 'db', name: `pg-${i}` })), Date.now());
    for (const i of [3, 1500, 2344]) await a.store.setPodStatus(id, i, 'failed', 'pod db/x not found', Date.now());
    const r = await get(`/v1/jobs/${id}/pods?status=failed&limit=2`);
    const p = r.json<Page>();
    assert.deepEqual(p.pods.map((x) => [x.name, x.status]), [['pg-3', 'failed'], ['pg-1500', 'failed']]);
    assert.ok(p.nextCursor);
    const rest = (await get(`/v1/jobs/${id}/pods?status=failed&limit=2&cursor=${p.nextCursor}`)).json<Page>();
    assert.deepEqual(rest, { pods: [{ ...rest.pods[0], name: 'pg-2344' }], nextCursor: null });
    const wrongFilter = await get(`/v1/jobs/${id}/pods?status=pending&cursor=${p.nextCursor}`);
    assert.equal(wrongFilter.statusCode, 400);
    assert.equal(wrongFilter.json().code, 'HOOKD_CURSOR_INVALID');
    assert.match(wrongFilter.json().message, /^querystring\.cursor: .*status=failed/);
  });

  test('limits and bad input are 400s with a HOOKD_ code', async () => {
    for (const [q, code, where] of [
      ['limit=1001', 'HOOKD_REQUEST_INVALID', /querystring\.limit/],
      ['limit=0', 'HOOKD_REQUEST_INVALID', /querystring\.limit/],
      ['limit=ten', 'HOOKD_REQUEST_INVALID', /querystring\.limit/],
      ['status=done', 'HOOKD_REQUEST_INVALID', /querystring\.status/],
      ['page=2', 'HOOKD_REQUEST_INVALID', /querystring/],
      ['cursor=not-a-cursor', 'HOOKD_CURSOR_INVALID', /querystring\.cursor: "not-a-cursor" is not a cursor this server returned/],
      [`cursor=${'x'.repeat(1025)}`, 'HOOKD_REQUEST_INVALID', /querystring\.cursor/],
    ] as const) {
      const r = await get(`/v1/jobs/${id}/pods?${q}`);
      assert.equal(r.statusCode, 400, q);
      assert.equal(r.json().code, code, q);
      assert.match(r.json().message, where, q);
    }
    assert.equal((await get(`/v1/jobs/${id}/pods?limit=1000`)).json<Page>().pods.length, 1000);
  });

  test("a cursor of another job is refused; another caller's job is a 404 like an unknown id, whatever the cursor", async () => {
    const other = await a.app.inject({ method: 'POST', url: '/v1/jobs', ...json({ pods: [{ namespace: 'db', name: 'a' }, { namespace: 'db', name: 'b' }] }), headers: { 'content-type': 'application/json', ...as(ALICE) } });
    const cursor = (await get(`/v1/jobs/${id}/pods?limit=1`)).json<Page>().nextCursor;
    const r = await get(`/v1/jobs/${other.json().id}/pods?cursor=${cursor}`);
    assert.equal(r.statusCode, 400);
    assert.match(r.json().message, /cursor of another job/);

    const unknown = await get('/v1/jobs/nope/pods', BOB);
    assert.equal(unknown.statusCode, 404);
    for (const url of [`/v1/jobs/${id}/pods`, `/v1/jobs/${id}/pods?cursor=garbage`, `/v1/jobs/${id}?view=summary`]) {
      const hidden = await get(url, BOB);
      assert.equal(hidden.statusCode, 404, url);
      assert.equal(hidden.json().message, unknown.json().message.replace('nope', id), url);
    }
    assert.equal((await a.app.inject({ method: 'GET', url: `/v1/jobs/${id}/pods` })).statusCode, 401);
  });
});
