// Dry runs over HTTP (api.md "Dry run"), with live pods from a fake reader: the answer's
// exact shape, the same rules, warnings and 4xx as a real submission, the caller's rights,
// and nothing queued or stored.

import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { tokensPolicy } from '../../src/auth/policy.ts';
import { parseTokens, tokenTable } from '../../src/auth/tokens-file.ts';
import type { PodView } from '../../src/domain/types.ts';
import { json, testApp, type TestApp } from './helpers.ts';

const A = 'post.hook.restore.velero.io/';

function pod(namespace: string, name: string, fields: Partial<PodView> = {}): PodView {
  return { namespace, name, uid: `${namespace}-${name}`, labels: {}, annotations: {}, containers: ['app', 'side'], phase: 'Running', containerStatuses: [], terminating: false, ...fields };
}

const HOOKS = {
  resources: [
    { name: 'freeze', includedNamespaces: ['db'], postHooks: [{ exec: { container: 'side', command: ['/bin/sh', '-c', 'sync'], waitTimeout: '2m', onError: 'Fail' } }] },
    { name: 'nowhere', postHooks: [{ exec: { container: 'missing', command: ['true'] } }] },
  ],
};

let t: TestApp;
before(async () => {
  t = await testApp({
    limits: { maxPodsPerJob: 50 },
    // The worker's questions, as a Kubernetes cluster would answer them for this caller.
    ownerRights: {
      mayExec: async (_owner, ref) => (ref.name === 'locked' ? `forbidden: alice may not create pods/exec in ${ref.namespace}` : null),
      mayListPods: async (_owner, ns) => ns !== 'secret',
    },
  });
});
after(() => t.close());
beforeEach(() => {
  t.pods.pods.clear();
  t.pods.errors.clear();
  t.pods.reads.length = 0;
  t.pods.pods.set('db/pg-0', pod('db', 'pg-0', { labels: { app: 'pg' } }));
  t.pods.pods.set('db/pg-1', pod('db', 'pg-1', {
    labels: { app: 'pg' },
    annotations: { [`${A}command`]: '["/bin/sh", "-c", "echo hi"]', [`${A}on-eror`]: 'Fail', [`${A}exec-timeout`]: '10s' },
  }));
});

async function post(url: string, payload?: unknown, headers: Record<string, string> = {}) {
  const body = payload === undefined ? {} : json(payload);
  return t.app.inject({ method: 'POST', url, ...body, headers: { ...(payload === undefined ? {} : { 'content-type': 'application/json' }), ...headers } });
}

async function nothingStored(): Promise<void> {
  assert.deepEqual(t.producer.enqueued, [], 'nothing queued');
  assert.deepEqual(await t.redis.keys(`${t.prefix}:*`), [], 'nothing stored');
}

describe('POST /v1/jobs?dryRun=true', () => {
  test('200 with exactly the contract shape: each pod planned by the same rules, nothing queued or stored', async () => {
    const r = await post('/v1/jobs?dryRun=true', { restore: 'nightly', pods: [{ namespace: 'db', name: 'pg-0' }, { namespace: 'db', name: 'pg-1' }, { namespace: 'db', name: 'gone' }], hooks: HOOKS });
    assert.equal(r.statusCode, 200);
    assert.equal(r.headers.location, undefined);
    assert.deepEqual(r.json(), {
      dryRun: true,
      warnings: [],
      pods: [
        {
          namespace: 'db',
          name: 'pg-0',
          status: 'planned',
          warnings: ['pod db/pg-0 does not have container "missing": hook(s) nowhere skipped (Velero discards them)'],
          hooks: [{ name: 'freeze', source: 'spec', container: 'side', command: ['/bin/sh', '-c', 'sync'], onError: 'Fail', execTimeoutMs: 30000, waitTimeoutMs: 120000, waitForReady: false }],
        },
        {
          namespace: 'db',
          name: 'pg-1',
          status: 'planned',
          warnings: [`${A}on-eror: unknown key, ignored (did you mean on-error?)`, 'the pod\'s annotation hook takes precedence: 2 spec hook(s) that match it are not run (Velero)'],
          hooks: [{ name: '<from-annotation>', source: 'annotation', container: 'app', command: ['/bin/sh', '-c', 'echo hi'], onError: 'Continue', execTimeoutMs: 10000, waitTimeoutMs: null, waitForReady: false }],
        },
        { namespace: 'db', name: 'gone', status: 'not found', warnings: [], hooks: [] },
      ],
      summary: { pods: 3, hooksTotal: 2 },
    });
    assert.deepEqual(t.pods.reads.sort(), ['get db/gone', 'get db/pg-0', 'get db/pg-1']);
    await nothingStored();
  });

  test('a selector is listed now; namespaces the caller may not list are left out, and pods it may not exec into are forbidden', async () => {
    t.pods.pods.set('db/locked', pod('db', 'locked', { labels: { app: 'pg' } }));
    t.pods.pods.set('secret/pg-9', pod('secret', 'pg-9', { labels: { app: 'pg' } }));
    t.pods.pods.set('web/x', pod('web', 'x', { labels: { app: 'web' } }));
    const r = await post('/v1/jobs?dryRun=true', { selector: { labelSelector: 'app=pg' }, hooks: { resources: [{ name: 'h', postHooks: [{ exec: { command: ['true'] } }] }] } });
    assert.equal(r.statusCode, 200);
    const view = r.json();
    assert.deepEqual(view.pods.map((p: { name: string; status: string }) => [p.name, p.status]), [['locked', 'forbidden'], ['pg-0', 'planned'], ['pg-1', 'planned']]);
    assert.deepEqual(view.pods[0].hooks, []);
    assert.deepEqual(view.pods[0].warnings, ['forbidden: alice may not create pods/exec in db: its hooks would be skipped']);
    assert.deepEqual(view.summary, { pods: 3, hooksTotal: 2 });
    assert.deepEqual(t.pods.reads, ['list *']);
    await nothingStored();
  });

  test('the same 4xx as a real submission, for the same mistakes', async () => {
    const cases: [unknown, number, string][] = [
      [{ pods: [{ namespace: 'db', name: 'pg-0' }], selector: { namespaces: ['db'] } }, 400, 'HOOKD_JOB_SOURCE_INVALID'],
      [{ pods: [{ namespace: 'db', name: 'pg-0' }, { namespace: 'db', name: 'pg-0' }] }, 400, 'HOOKD_JOB_POD_DUPLICATE'],
      [{ pods: [{ namespace: 'db', name: 'pg-0' }], hooks: { resources: [{ name: 'x', postHooks: [{ exec: { command: ['true'], waitTimeout: '5 minutes' } }] }] } }, 400, 'HOOKD_HOOK_INVALID'],
      [{ pods: [{ namespace: 'db', name: 'pg-0' }], hooks: { resources: [{ name: 'x', postHooks: [{ init: {} }] }] } }, 400, 'HOOKD_INIT_HOOKS_UNSUPPORTED'],
      [{ pods: Array.from({ length: 51 }, (_, i) => ({ namespace: 'db', name: `p-${i}` })) }, 400, 'HOOKD_LIMIT_PODS'],
      [{ selector: { labelSelector: 'app in (' } }, 400, 'HOOKD_JOB_SELECTOR_INVALID'],
      [{ pods: [{ namespace: 'db', name: 'pg-0' }], extra: 1 }, 400, 'HOOKD_REQUEST_INVALID'],
    ];
    for (const [body, status, code] of cases) {
      const real = await post('/v1/jobs', body);
      const dry = await post('/v1/jobs?dryRun=true', body);
      assert.equal(dry.statusCode, status, JSON.stringify(body).slice(0, 80));
      assert.equal(dry.json().code, code);
      assert.deepEqual(dry.json(), real.json(), 'the same answer, message included');
    }
    const bad = await post('/v1/jobs?dryRun=maybe', { pods: [{ namespace: 'db', name: 'pg-0' }] });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.json().message, /querystring\.dryRun/);
    assert.equal((await post('/v1/jobs?dryrun=true', { pods: [{ namespace: 'db', name: 'pg-0' }] })).statusCode, 400, 'an unknown query parameter is named, not ignored');
    await nothingStored();
  });

  test('dryRun=false submits as usual; an Idempotency-Key is not taken by a dry run', async () => {
    const key = { 'idempotency-key': 'dry-then-real' };
    const dry = await post('/v1/jobs?dryRun=true', { pods: [{ namespace: 'db', name: 'pg-0' }] }, key);
    assert.equal(dry.statusCode, 200);
    await nothingStored();
    const real = await post('/v1/jobs?dryRun=false', { pods: [{ namespace: 'db', name: 'pg-0' }] }, key);
    assert.equal(real.statusCode, 202);
    assert.equal(t.producer.enqueued.length, 1);
    t.producer.enqueued.length = 0;
    await t.redis.del(...(await t.redis.keys(`${t.prefix}:*`)));
  });

  test('Kubernetes failures: a list the job could never make says the job would fail; an unreachable API is a 503', async () => {
    t.pods.errors.set('list db', 'KUBE_FORBIDDEN');
    const refused = await post('/v1/jobs?dryRun=true', { selector: { namespaces: ['db'], labelSelector: 'app=pg' } });
    assert.equal(refused.statusCode, 200);
    assert.deepEqual(refused.json(), { dryRun: true, warnings: ['the job would fail: pods could not be listed: KUBE_FORBIDDEN: list db'], pods: [], summary: { pods: 0, hooksTotal: 0 } });
    t.pods.errors.set('get db/pg-0', 'KUBE_UNAVAILABLE');
    const down = await post('/v1/jobs?dryRun=true', { pods: [{ namespace: 'db', name: 'pg-0' }] });
    assert.equal(down.statusCode, 503);
    assert.equal(down.json().code, 'HOOKD_KUBE_UNAVAILABLE');
    await nothingStored();
  });

  test('durations below a millisecond are answered as fractions of one, as the job would hold them', async () => {
    const hooks = { resources: [{ name: 'quick', postHooks: [{ exec: { container: 'app', command: ['true'], execTimeout: '1us', waitTimeout: '1.5ms' } }] }] };
    const r = await post('/v1/jobs?dryRun=true', { pods: [{ namespace: 'db', name: 'pg-0' }], hooks });
    assert.equal(r.statusCode, 200, r.body);
    const hook = r.json().pods[0].hooks[0];
    assert.equal(hook.execTimeoutMs, 0.001);
    assert.equal(hook.waitTimeoutMs, 1.5);
    await nothingStored();
  });

  test('a selector that matches more pods than a job may hold: the job would fail', async () => {
    for (let i = 0; i < 51; i++) t.pods.pods.set(`db/many-${i}`, pod('db', `many-${i}`, { labels: { app: 'many' } }));
    const r = await post('/v1/jobs?dryRun=true', { selector: { namespaces: ['db'], labelSelector: 'app=many' } });
    assert.deepEqual(r.json().warnings, ['the job would fail: the selector matched 51 pods, more than the limit of 50 per job']);
    assert.deepEqual(r.json().pods, []);
  });
});

describe('POST /v1/velero/restores/{ns}/{name}/jobs?dryRun=true', () => {
  test("the Restore's hooks on its pods, its init hooks left out with the job's warning; its mistakes are the same 4xx", async () => {
    t.restores.restores.set('velero/r1', { hooks: { resources: [{ name: 'warm', postHooks: [{ init: { initContainers: [] } }, { exec: { container: 'app', command: ['echo', 'warm'] } }] }] } });
    t.pods.pods.set('db/r-0', pod('db', 'r-0', { labels: { 'velero.io/restore-name': 'r1' } }));
    t.pods.pods.set('web/r-1', pod('web', 'r-1', { labels: { 'velero.io/restore-name': 'r1' }, containers: ['nginx'] }));
    const r = await post('/v1/velero/restores/velero/r1/jobs?dryRun=true');
    assert.equal(r.statusCode, 200);
    const view = r.json();
    assert.deepEqual(view.warnings, ['Restore velero/r1 spec.hooks: 1 init hook left out: Velero injects init hooks when it restores a pod; hookd runs exec post hooks only']);
    assert.deepEqual(view.pods.map((p: { name: string; hooks: { command: string[] }[] }) => [p.name, p.hooks.map((h) => h.command)]), [['r-0', [['echo', 'warm']]], ['r-1', []]]);
    assert.deepEqual(view.summary, { pods: 2, hooksTotal: 1 });

    const missing = await post('/v1/velero/restores/velero/nope/jobs?dryRun=true');
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().code, 'HOOKD_RESTORE_NOT_FOUND');
    t.restores.restores.set('velero/bad', { hooks: { resources: [{ name: 'x', postHooks: [{ exec: { command: ['true'], execTimeout: '5 minutes' } }] }] } });
    const invalid = await post('/v1/velero/restores/velero/bad/jobs?dryRun=true');
    assert.equal(invalid.statusCode, (await post('/v1/velero/restores/velero/bad/jobs')).statusCode);
    await nothingStored();
  });
});

describe('dry run with HOOKD_AUTH=tokens', () => {
  test('the same 403 for a pod the token does not reach, and the same 401 without a token', async () => {
    const a = await testApp({ access: tokensPolicy(tokenTable(parseTokens('- { name: alice, token: alice-token-0123456789, namespaces: [db], rights: [submit, read] }', 'tokens'))) });
    try {
      const as = { authorization: 'Bearer alice-token-0123456789', 'content-type': 'application/json' };
      const body = { pods: [{ namespace: 'db', name: 'pg-0' }, { namespace: 'kube-system', name: 'etcd' }] };
      const dry = await a.app.inject({ method: 'POST', url: '/v1/jobs?dryRun=true', payload: JSON.stringify(body), headers: as });
      const real = await a.app.inject({ method: 'POST', url: '/v1/jobs', payload: JSON.stringify(body), headers: as });
      assert.equal(dry.statusCode, 403);
      assert.deepEqual(dry.json(), real.json());
      const anon = await a.app.inject({ method: 'POST', url: '/v1/jobs?dryRun=true', payload: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
      assert.equal(anon.statusCode, 401);
    } finally {
      await a.close();
    }
  });
});
