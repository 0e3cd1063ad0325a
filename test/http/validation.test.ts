// Invalid input is a 4xx with api.md's error body and a message that names the field, never
// a 5xx. A table of requests, each with the status, code and message it must get.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { testApp, type TestApp } from './helpers.ts';

let t: TestApp;
before(async () => {
  t = await testApp({ limits: { maxPodsPerJob: 3, maxCommandBytes: 64, maxBodyBytes: 8192, maxHookEntries: 2 } });
});
after(() => t.close());

const pods = [{ namespace: 'db', name: 'pg-0' }];
const exec = (e: Record<string, unknown>) => ({ pods, hooks: { resources: [{ name: 'r', postHooks: [{ exec: { command: ['true'] } }, { exec: { command: ['true'], ...e } }] }] } });

interface Case {
  readonly name: string;
  readonly method?: 'GET' | 'POST' | 'DELETE';
  readonly url?: string;
  readonly body?: unknown;
  readonly raw?: string;
  readonly headers?: Record<string, string>;
  readonly status: number;
  readonly code: string;
  readonly message: RegExp;
}

const cases: Case[] = [
  { name: 'malformed JSON', raw: '{"pods": [', status: 400, code: 'HOOKD_REQUEST_MALFORMED_JSON', message: /body is not valid JSON/ },
  { name: 'empty JSON body', raw: '', status: 400, code: 'HOOKD_REQUEST_INVALID', message: /^body: is required: send a JSON object/ },
  { name: 'prototype poisoning', raw: '{"pods":[],"__proto__":{"x":1}}', status: 400, code: 'HOOKD_REQUEST_MALFORMED_JSON', message: /prototype/ },
  { name: 'a JSON array', body: [1], status: 400, code: 'HOOKD_REQUEST_INVALID', message: /^body: must be an object, not an array$/ },
  { name: 'no body at all', raw: undefined, headers: {}, status: 400, code: 'HOOKD_REQUEST_INVALID', message: /^body: is required/ },
  { name: 'text/plain', raw: 'hello', headers: { 'content-type': 'text/plain' }, status: 415, code: 'HOOKD_REQUEST_UNSUPPORTED_MEDIA_TYPE', message: /text\/plain.*application\/json/ },
  { name: 'form encoded', raw: 'a=1', headers: { 'content-type': 'application/x-www-form-urlencoded' }, status: 415, code: 'HOOKD_REQUEST_UNSUPPORTED_MEDIA_TYPE', message: /x-www-form-urlencoded/ },
  { name: 'too large', raw: JSON.stringify({ pods, restore: 'x'.repeat(9000) }), status: 413, code: 'HOOKD_REQUEST_TOO_LARGE', message: /limit of 8192 bytes/ },
  { name: 'unknown top-level field', body: { pods, failfast: true }, status: 400, code: 'HOOKD_REQUEST_INVALID', message: /^body\.failfast: unknown field \(allowed: restore, pods, selector, hooks, failFast\)$/ },
  {
    name: 'unknown nested field',
    body: exec({ waitTimout: '5m' }),
    status: 400,
    code: 'HOOKD_REQUEST_INVALID',
    message: /^body\.hooks\.resources\[0\]\.postHooks\[1\]\.exec\.waitTimout: unknown field \(allowed: container, command, onError, execTimeout, waitTimeout, waitForReady\)$/,
  },
  { name: 'wrong type', body: { pods, failFast: 'yes' }, status: 400, code: 'HOOKD_REQUEST_INVALID', message: /^body\.failFast: must be boolean, not string "yes"$/ },
  { name: 'missing required', body: { pods: [{ namespace: 'db' }] }, status: 400, code: 'HOOKD_REQUEST_INVALID', message: /^body\.pods\[0\]\.name: is required$/ },
  { name: 'bad namespace', body: { pods: [{ namespace: 'DB', name: 'x' }] }, status: 400, code: 'HOOKD_REQUEST_INVALID', message: /^body\.pods\[0\]\.namespace: string "DB" is not valid: expected a namespace name: a DNS label/ },
  { name: 'empty pods', body: { pods: [] }, status: 400, code: 'HOOKD_REQUEST_INVALID', message: /^body\.pods: must have at least 1 item$/ },
  { name: 'bad onError', body: exec({ onError: 'continue' }), status: 400, code: 'HOOKD_REQUEST_INVALID', message: /^body\.hooks\.resources\[0\]\.postHooks\[1\]\.exec\.onError: string "continue" is not one of: Continue, Fail$/ },
  { name: 'empty command', body: exec({ command: [] }), status: 400, code: 'HOOKD_REQUEST_INVALID', message: /^body\.hooks\.resources\[0\]\.postHooks\[1\]\.exec\.command: must have at least 1 item$/ },
  { name: 'waitForReady not a boolean', body: exec({ waitForReady: 'true' }), status: 400, code: 'HOOKD_REQUEST_INVALID', message: /exec\.waitForReady: must be boolean or null, not string "true"$/ },
  {
    name: 'a duration Go cannot parse',
    body: exec({ waitTimeout: '5 minutes' }),
    status: 400,
    code: 'HOOKD_HOOK_INVALID',
    message: /^body\.hooks\.resources\[0\]\.postHooks\[1\]\.exec\.waitTimeout: "5 minutes" is not a Go duration/,
  },
  { name: 'an exec timeout above 4h', body: exec({ execTimeout: '720h' }), status: 400, code: 'HOOKD_HOOK_INVALID', message: /exec\.execTimeout: "720h" is more than the 4h an exec may take/ },
  { name: 'negative exec timeout', body: exec({ execTimeout: '-1s' }), status: 400, code: 'HOOKD_HOOK_INVALID', message: /exec\.execTimeout: "-1s" is negative/ },
  {
    name: 'init hooks',
    body: { pods, hooks: { resources: [{ name: 'r', postHooks: [{ init: { initContainers: [] } }] }] } },
    status: 400,
    code: 'HOOKD_INIT_HOOKS_UNSUPPORTED',
    message: /^body\.hooks\.resources\[0\]\.postHooks\[0\]\.init: init hooks must be injected before a pod starts/,
  },
  {
    name: 'a bad label selector inside hooks',
    body: { pods, hooks: { resources: [{ name: 'r', labelSelector: { matchExpressions: [{ key: 'a', operator: 'In' }] }, postHooks: [{ exec: { command: ['x'] } }] }] } },
    status: 400,
    code: 'HOOKD_HOOK_INVALID',
    message: /^body\.hooks\.resources\[0\]\.labelSelector\.matchExpressions\[0\]: /,
  },
  { name: 'neither pods nor selector', body: { restore: 'x' }, status: 400, code: 'HOOKD_JOB_SOURCE_INVALID', message: /pods .* or selector .* is required/ },
  { name: 'both pods and selector', body: { pods, selector: { namespaces: ['db'] } }, status: 400, code: 'HOOKD_JOB_SOURCE_INVALID', message: /not both/ },
  { name: 'a bad labelSelector', body: { selector: { labelSelector: 'app in (a' } }, status: 400, code: 'HOOKD_JOB_SELECTOR_INVALID', message: /^body\.selector\.labelSelector: unbalanced parentheses/ },
  { name: 'a selector of everything', body: { selector: {} }, status: 400, code: 'HOOKD_JOB_SELECTOR_INVALID', message: /every pod in the cluster/ },
  { name: 'the same pod twice', body: { pods: [...pods, { namespace: 'x', name: 'y' }, ...pods] }, status: 400, code: 'HOOKD_JOB_POD_DUPLICATE', message: /^body\.pods\[2\]: db\/pg-0 is already body\.pods\[0\]$/ },
  {
    name: 'too many pods',
    body: { pods: ['a', 'b', 'c', 'd'].map((name) => ({ namespace: 'db', name })) },
    status: 400,
    code: 'HOOKD_LIMIT_PODS',
    message: /^body\.pods: 4 pods, more than the limit of 3 per job$/,
  },
  { name: 'a command too long', body: exec({ command: ['sh', '-c', 'x'.repeat(80)] }), status: 400, code: 'HOOKD_LIMIT_COMMAND', message: /exec\.command: 84 bytes, more than the limit of 64$/ },
  {
    name: 'too many post hooks',
    body: { pods, hooks: { resources: [{ name: 'r', postHooks: [1, 2, 3].map(() => ({ exec: { command: ['x'] } })) }] } },
    status: 400,
    code: 'HOOKD_LIMIT_HOOKS',
    message: /3 post hooks in all, more than the limit of 2/,
  },
  {
    name: 'a namespace pattern longer than any namespace',
    body: { pods, hooks: { resources: [{ name: 'r', includedNamespaces: ['a'.repeat(300)], postHooks: [{ exec: { command: ['x'] } }] }] } },
    status: 400,
    code: 'HOOKD_REQUEST_INVALID',
    message: /^body\.hooks\.resources\[0\]\.includedNamespaces\[0\]: must be at most 253 characters/,
  },
  {
    name: 'too many namespace patterns',
    body: { pods, hooks: { resources: [{ name: 'r', excludedNamespaces: Array.from({ length: 1001 }, (_, i) => `n${i}`), postHooks: [] }] } },
    status: 400,
    code: 'HOOKD_REQUEST_INVALID',
    message: /^body\.hooks\.resources\[0\]\.excludedNamespaces: must have at most 1000 items/,
  },
  {
    name: 'a hook name longer than 253',
    body: { pods, hooks: { resources: [{ name: 'h'.repeat(254), postHooks: [] }] } },
    status: 400,
    code: 'HOOKD_REQUEST_INVALID',
    message: /^body\.hooks\.resources\[0\]\.name: must be at most 253 characters/,
  },
  { name: 'a container name longer than 63', body: exec({ container: 'c'.repeat(64) }), status: 400, code: 'HOOKD_REQUEST_INVALID', message: /exec\.container: must be at most 63 characters/ },
  { name: 'a container name no container can have', body: exec({ container: 'Web_1' }), status: 400, code: 'HOOKD_REQUEST_INVALID', message: /exec\.container: string "Web_1" is not valid/ },
  { name: 'a pod name longer than 253', body: { pods: [{ namespace: 'db', name: 'p'.repeat(254) }] }, status: 400, code: 'HOOKD_REQUEST_INVALID', message: /^body\.pods\[0\]\.name: must be at most 253 characters/ },
  { name: 'a namespace longer than 63', body: { pods: [{ namespace: 'n'.repeat(64), name: 'p' }] }, status: 400, code: 'HOOKD_REQUEST_INVALID', message: /^body\.pods\[0\]\.namespace: must be at most 63 characters/ },
  { name: 'Idempotency-Key too long', body: { pods }, headers: { 'content-type': 'application/json', 'idempotency-key': 'k'.repeat(300) }, status: 400, code: 'HOOKD_REQUEST_INVALID', message: /^headers\.idempotency-key: must be at most 255 characters$/ },
  { name: 'list: limit 0', method: 'GET', url: '/v1/jobs?limit=0', status: 400, code: 'HOOKD_REQUEST_INVALID', message: /^querystring\.limit: must be >= 1, not number 0$/ },
  { name: 'list: limit 501', method: 'GET', url: '/v1/jobs?limit=501', status: 400, code: 'HOOKD_REQUEST_INVALID', message: /^querystring\.limit: must be <= 500/ },
  { name: 'list: limit not a number', method: 'GET', url: '/v1/jobs?limit=ten', status: 400, code: 'HOOKD_REQUEST_INVALID', message: /^querystring\.limit: must be integer, not string "ten"$/ },
  { name: 'list: unknown status', method: 'GET', url: '/v1/jobs?status=done', status: 400, code: 'HOOKD_REQUEST_INVALID', message: /^querystring\.status: string "done" is not one of: queued, running/ },
  { name: 'a number too large for a double', raw: '{"pods": [{"namespace": "db", "name": "pg-0"}], "failFast": 1e999}', status: 400, code: 'HOOKD_REQUEST_INVALID', message: /^body\.failFast: must be boolean, not number Infinity$/ },
  { name: 'list: limit with a fraction', method: 'GET', url: '/v1/jobs?limit=1.5', status: 400, code: 'HOOKD_REQUEST_INVALID', message: /^querystring\.limit: must be integer, not string "1\.5"$/ },
  { name: 'list: limit in hex', method: 'GET', url: '/v1/jobs?limit=0x3', status: 400, code: 'HOOKD_REQUEST_INVALID', message: /^querystring\.limit: must be integer, not string "0x3"$/ },
  { name: 'list: limit with a space', method: 'GET', url: '/v1/jobs?limit=%201', status: 400, code: 'HOOKD_REQUEST_INVALID', message: /^querystring\.limit: must be integer, not string " 1"$/ },
  { name: 'list: limit empty', method: 'GET', url: '/v1/jobs?limit=', status: 400, code: 'HOOKD_REQUEST_INVALID', message: /^querystring\.limit: must be integer, not string ""$/ },
  { name: 'dryRun spelled False', url: '/v1/jobs?dryRun=False', body: { pods }, status: 400, code: 'HOOKD_REQUEST_INVALID', message: /^querystring\.dryRun: must be boolean, not string "False"$/ },
  { name: 'dryRun spelled 1', url: '/v1/jobs?dryRun=1', body: { pods }, status: 400, code: 'HOOKD_REQUEST_INVALID', message: /^querystring\.dryRun: must be boolean, not string "1"$/ },
  {
    name: 'an unknown field with a long name: its start and its length, not all of it',
    body: { pods, ['f'.repeat(3000)]: true },
    status: 400,
    code: 'HOOKD_REQUEST_INVALID',
    message: /^body\["f{64}"\.\.\. \(3000 characters\)\]: unknown field \(allowed: restore, pods, selector, hooks, failFast\)$/,
  },
  { name: 'list: unknown parameter', method: 'GET', url: '/v1/jobs?stauts=running', status: 400, code: 'HOOKD_REQUEST_INVALID', message: /^querystring\.stauts: unknown field/ },
  { name: 'list: a cursor not ours', method: 'GET', url: '/v1/jobs?cursor=abc', status: 400, code: 'HOOKD_CURSOR_INVALID', message: /^querystring\.cursor: "abc" is not a cursor/ },
  { name: 'events: a bad Last-Event-ID', method: 'GET', url: '/v1/jobs/x/events', headers: { 'last-event-id': 'yesterday' }, status: 400, code: 'HOOKD_EVENTS_LAST_ID_INVALID', message: /"yesterday"/ },
  { name: 'velero: a bad namespace', method: 'POST', url: '/v1/velero/restores/Velero/r/jobs', status: 400, code: 'HOOKD_REQUEST_INVALID', message: /^params\.namespace: string "Velero" is not valid/ },
  { name: 'velero: failFast not a boolean', method: 'POST', url: '/v1/velero/restores/velero/r/jobs?failFast=maybe', status: 400, code: 'HOOKD_REQUEST_INVALID', message: /^querystring\.failFast: must be boolean/ },
  { name: 'unknown route', method: 'GET', url: '/v2/jobs', status: 404, code: 'HOOKD_ROUTE_NOT_FOUND', message: /^route GET \/v2\/jobs not found$/ },
];

describe('invalid input: a 4xx with the field named, never a 5xx', () => {
  for (const c of cases) {
    test(c.name, async () => {
      const headers = c.headers ?? (c.body !== undefined || c.raw !== undefined ? { 'content-type': 'application/json' } : {});
      const payload = c.raw ?? (c.body === undefined ? undefined : JSON.stringify(c.body));
      const res = await t.app.inject({ method: c.method ?? 'POST', url: c.url ?? '/v1/jobs', headers, ...(payload !== undefined ? { payload } : {}) });
      const body = res.json<{ statusCode: number; code: string; error: string; message: string }>();
      assert.equal(res.statusCode, c.status, body.message);
      assert.deepEqual(Object.keys(body).sort(), ['code', 'error', 'message', 'statusCode']);
      assert.equal(body.statusCode, c.status);
      assert.equal(body.code, c.code);
      assert.equal(typeof body.error, 'string');
      assert.match(body.message, c.message);
      assert.match(String(res.headers['content-type']), /^application\/json/);
    });
  }

  test('nothing was queued by any of them', () => {
    assert.deepEqual(t.producer.enqueued, []);
  });
});

test('names and values a caller sent are quoted in messages in part, never in full', async () => {
  const long = (c: string) => c.repeat(3000);
  const requests: Array<{ name: string; method?: 'GET' | 'POST'; url?: string; headers?: Record<string, string>; body?: unknown; status: number; message: RegExp }> = [
    { name: 'an unknown body field', body: { pods, [long('z')]: 1 }, status: 400, message: /^body\["z{64}"\.\.\. \(3000 characters\)\]: unknown field \(allowed: / },
    {
      name: 'a bad value under a key of the caller (matchLabels)',
      body: { pods, hooks: { resources: [{ name: 'r', labelSelector: { matchLabels: { [long('k')]: 5 } }, postHooks: [] }] } },
      status: 400,
      message: /^body\.hooks\.resources\[0\]\.labelSelector\.matchLabels\["k{64}"\.\.\. \(3000 characters\)\]: must be string/,
    },
    { name: 'an unknown query parameter', method: 'GET', url: `/v1/jobs?${long('q')}=1`, status: 400, message: /^querystring\["q{64}"\.\.\. \(3000 characters\)\]: unknown field/ },
    { name: 'an unknown route', method: 'GET', url: `/${long('r')}`, status: 404, message: /^route GET \/r{119}\.\.\. not found$/ },
    { name: 'a content type', headers: { 'content-type': `text/${long('t')}` }, body: 'x', status: 415, message: /^content-type "text\/t{72}\.\.\." is not supported/ },
    { name: 'a list cursor', method: 'GET', url: `/v1/jobs?cursor=${'c'.repeat(1000)}`, status: 400, message: /^querystring\.cursor: "c{64}\.\.\." is not a cursor/ },
  ];
  for (const r of requests) {
    const payload = r.body === undefined ? undefined : typeof r.body === 'string' ? r.body : JSON.stringify(r.body);
    const res = await t.app.inject({
      method: r.method ?? 'POST',
      url: r.url ?? '/v1/jobs',
      headers: r.headers ?? (payload !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(payload !== undefined ? { payload } : {}),
    });
    assert.equal(res.statusCode, r.status, `${r.name}: ${res.body.slice(0, 200)}`);
    assert.match(res.json().message, r.message, r.name);
    assert.ok(res.body.length < 500, `${r.name}: ${res.body.length} bytes`);
  }
});

test('a rejected body is not echoed into the log', async () => {
  const secret = `pw-${Date.now()}`;
  const res = await t.app.inject({ method: 'POST', url: '/v1/jobs', headers: { 'content-type': 'application/json' }, payload: `{"pods":[{"namespace":"db","name":"x"}],"hooks":{"resources":[{"name":"r","postHooks":[{"exec":{"command":["sh","-c","login ${secret}"],"waitTimeout":"${secret}"}}]}]}}` });
  assert.equal(res.statusCode, 400);
  assert.match(res.json().message, new RegExp(secret), 'the caller is told');
  assert.ok(!t.logs.join('').includes(secret), 'the log is not');
  assert.ok(t.logs.join('').includes('HOOKD_HOOK_INVALID'));
});
