// The /v1/jobs routes over buildApp + inject, on the real Redis store, with a fake producer.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { planned, planOf } from '../fixtures/plan.ts';
import { json, testApp, type TestApp } from './helpers.ts';

let t: TestApp;
before(async () => {
  t = await testApp();
});
after(() => t.close());

const body = (extra: Record<string, unknown> = {}) => ({
  restore: 'nightly-2026-11-24',
  pods: [{ namespace: 'db', name: 'postgres-0' }, { namespace: 'db', name: 'postgres-1' }],
  hooks: { resources: [{ name: 'freeze', includedNamespaces: ['db'], postHooks: [{ exec: { command: ['/bin/sh', '-c', 'true'], waitTimeout: '5m', onError: 'Fail' } }] }] },
  ...extra,
});

async function post(payload: unknown, headers: Record<string, string> = {}) {
  return t.app.inject({ method: 'POST', url: '/v1/jobs', ...json(payload), headers: { 'content-type': 'application/json', ...headers } });
}

describe('POST /v1/jobs', () => {
  test('202 with id, status, self link and Location; the job is queued and enqueued once', async () => {
    const res = await post(body({ failFast: true }));
    assert.equal(res.statusCode, 202);
    const created = res.json<{ id: string; status: string; links: { self: string } }>();
    assert.equal(created.status, 'queued');
    assert.equal(created.links.self, `/v1/jobs/${created.id}`);
    assert.equal(res.headers.location, created.links.self);
    const spec = t.producer.enqueued.find((s) => s.id === created.id);
    assert.ok(spec);
    assert.deepEqual(spec.source, { kind: 'pods', pods: body().pods });
    assert.equal(spec.failFast, true);
    assert.equal(spec.restore, 'nightly-2026-11-24');
    assert.deepEqual(spec.hooks, body().hooks);

    const got = await t.app.inject({ url: created.links.self });
    assert.equal(got.statusCode, 200);
    const job = got.json();
    assert.equal(job.status, 'queued');
    assert.equal(job.failFast, true);
    assert.deepEqual(job.warnings, []);
    assert.equal(job.error, null);
    assert.deepEqual(job.pods.map((p: { name: string; status: string }) => [p.name, p.status]), [['postgres-0', 'pending'], ['postgres-1', 'pending']]);
    assert.deepEqual(job.summary, { pods: 2, hooksTotal: 0, hooksAttempted: 0, hooksSucceeded: 0, hooksFailed: 0, hooksPending: 0, hooksSkipped: 0 });
  });

  test('a selector job: namespaces and labelSelector as given', async () => {
    const res = await post({ selector: { namespaces: ['db', 'db'], labelSelector: 'app in (pg, mysql),!canary' } });
    assert.equal(res.statusCode, 202);
    const spec = t.producer.enqueued.find((s) => s.id === res.json().id);
    assert.deepEqual(spec?.source, { kind: 'selector', namespaces: ['db'], labelSelector: 'app in (pg, mysql),!canary' });
    assert.equal(spec?.restore, null);
    assert.equal(spec?.hooks, null);
    assert.equal(spec?.failFast, false);
  });

  test('Idempotency-Key: same JSON value is the first job (200), another body 409', async () => {
    const key = randomUUID();
    const first = await post(body(), { 'idempotency-key': key });
    assert.equal(first.statusCode, 202);
    const before = t.producer.enqueued.length;
    // The same value with keys in another order and other whitespace.
    const reordered = `{"hooks":${JSON.stringify(body().hooks)},  "pods":${JSON.stringify(body().pods)},"restore":"nightly-2026-11-24"}`;
    const again = await t.app.inject({ method: 'POST', url: '/v1/jobs', headers: { 'content-type': 'application/json', 'idempotency-key': key }, payload: reordered });
    assert.equal(again.statusCode, 200);
    assert.equal(again.json().id, first.json().id);
    assert.equal(again.headers.location, `/v1/jobs/${first.json().id}`);
    // Still queued: enqueued again in case the first request died before the queue (the producer dedupes).
    assert.equal(t.producer.enqueued.length, before + 1);
    assert.equal(t.producer.enqueued.at(-1)?.id, first.json().id);

    const other = await post(body({ failFast: true }), { 'idempotency-key': key });
    assert.equal(other.statusCode, 409);
    assert.equal(other.json().code, 'HOOKD_IDEMPOTENCY_CONFLICT');
    assert.match(other.json().message, new RegExp(first.json().id));
    const list = await t.app.inject({ url: '/v1/jobs?restore=nightly-2026-11-24&limit=500' });
    assert.equal(list.json().jobs.filter((j: { id: string }) => j.id === first.json().id).length, 1);
  });

  test('a job that cannot be queued is a 503 and ends failed, saying why', async () => {
    t.producer.fail = new Error('Redis is read-only');
    try {
      const res = await post(body({ restore: 'unqueued' }));
      assert.equal(res.statusCode, 503);
      assert.equal(res.json().code, 'HOOKD_QUEUE_UNAVAILABLE');
    } finally {
      t.producer.fail = null;
    }
    const list = (await t.app.inject({ url: '/v1/jobs?restore=unqueued' })).json();
    assert.equal(list.jobs[0].status, 'failed');
    assert.match(list.jobs[0].error, /could not be queued: Redis is read-only/);
  });
});

describe('GET /v1/jobs/{id}', () => {
  test('404 with the error body for an unknown id', async () => {
    const res = await t.app.inject({ url: '/v1/jobs/j-unknown' });
    assert.equal(res.statusCode, 404);
    assert.deepEqual(res.json(), { statusCode: 404, code: 'HOOKD_JOB_NOT_FOUND', error: 'Not Found', message: 'job j-unknown not found (unknown id, or its results expired)' });
  });

  test('serves the store view field for field, with hooks and summary', async () => {
    const id = (await post(body())).json().id as string;
    await t.store.setPods(id, body().pods, 1_000);
    await t.store.recordPlan(id, 0, { ...planOf(planned(0, { name: 'freeze', onError: 'Fail' }), planned(1, { skipReason: 'container x not found' })), warnings: ['w'] }, 1_000);
    await t.store.markHookRunning(id, 0, 0, 1_000);
    await t.store.recordHookResult(id, 0, 0, { phase: 'failed', exitCode: 1, stdout: 'o', stderr: 'e', outputTruncated: false, error: 'exit code 1' }, 1_042);
    const res = await t.app.inject({ url: `/v1/jobs/${id}` });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), JSON.parse(JSON.stringify(await t.store.getJob(id))));
    const hook = res.json().pods[0].hooks[0];
    assert.equal(hook.durationMs, 42);
    assert.equal(hook.exitCode, 1);
    assert.equal(res.json().status, 'running');
  });
});

describe('GET /v1/jobs', () => {
  test('newest first, filters, limit and cursor; nextCursor null on the last page', async () => {
    const restore = `r-${randomUUID()}`;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await post(body({ restore }))).json().id);
    await t.app.inject({ method: 'DELETE', url: `/v1/jobs/${ids[1]}` });
    const seen: string[] = [];
    let url = `/v1/jobs?restore=${restore}&limit=2`;
    for (;;) {
      const page = await t.app.inject({ url });
      assert.equal(page.statusCode, 200);
      const { jobs, nextCursor } = page.json();
      assert.ok(jobs.length <= 2);
      for (const j of jobs) assert.equal(j.pods, undefined, 'summaries have no pods');
      seen.push(...jobs.map((j: { id: string }) => j.id));
      if (nextCursor === null) break;
      url = `/v1/jobs?restore=${restore}&limit=2&cursor=${encodeURIComponent(nextCursor)}`;
    }
    // Newest first (jobs created in the same millisecond have no order between them).
    assert.deepEqual([...seen].sort(), [...ids].sort());
    const created = await Promise.all(seen.map(async (id) => (await t.store.getJobSummary(id))?.createdAt ?? ''));
    assert.deepEqual(created, [...created].sort().reverse());
    const cancelled = (await t.app.inject({ url: `/v1/jobs?restore=${restore}&status=cancelled` })).json();
    assert.deepEqual(cancelled.jobs.map((j: { id: string }) => j.id), [ids[1]]);
    assert.equal(cancelled.nextCursor, null);
    const def = (await t.app.inject({ url: `/v1/jobs?restore=${restore}` })).json();
    assert.equal(def.jobs.length, 5);
  });
});

const ok = { phase: 'succeeded', exitCode: 0, stdout: '', stderr: '', outputTruncated: false, error: null } as const;

describe('DELETE /v1/jobs/{id}', () => {
  test('202 cancels (workers hear the stop), 202 again while its exec runs, 409 once ended, 404 unknown', async () => {
    const id = (await post(body())).json().id as string;
    await t.store.setPods(id, body().pods, 1);
    await t.store.recordPlan(id, 0, planOf(planned(0), planned(1)), 1);
    await t.store.markHookRunning(id, 0, 0, 2);
    const heard = new Promise<string>((resolve) => {
      const off = t.notifier.onStop((jobId) => {
        if (jobId === id) {
          off();
          resolve(jobId);
        }
      });
    });
    const res = await t.app.inject({ method: 'DELETE', url: `/v1/jobs/${id}` });
    assert.equal(res.statusCode, 202);
    assert.deepEqual(res.json(), { id, status: 'cancelled', links: { self: `/v1/jobs/${id}` } });
    assert.equal(await heard, id);
    const job = (await t.app.inject({ url: `/v1/jobs/${id}` })).json();
    assert.equal(job.status, 'cancelled');
    assert.deepEqual(job.pods[0].hooks.map((h: { phase: string }) => h.phase), ['running', 'skipped']);
    assert.match(job.pods[0].hooks[1].error, /cancelled/);

    // Cancelled, not ended (its exec still runs): the same 202, and nothing changes.
    const again = await t.app.inject({ method: 'DELETE', url: `/v1/jobs/${id}` });
    assert.equal(again.statusCode, 202, again.body);
    assert.deepEqual(again.json(), { id, status: 'cancelled', links: { self: `/v1/jobs/${id}` } });
    assert.deepEqual((await t.app.inject({ url: `/v1/jobs/${id}` })).json(), job);
    // Ended: 409.
    await t.store.recordHookResult(id, 0, 0, ok, 3);
    await t.store.setPodStatus(id, 0, 'succeeded', null, 4);
    await t.store.finishJob(id, 5);
    const ended = await t.app.inject({ method: 'DELETE', url: `/v1/jobs/${id}` });
    assert.equal(ended.statusCode, 409);
    assert.equal(ended.json().code, 'HOOKD_JOB_ENDED');
    assert.match(ended.json().message, /already ended \(cancelled\)/);
    // A client that sends a JSON content type with no body is fine.
    const unknown = await t.app.inject({ method: 'DELETE', url: '/v1/jobs/nope', headers: { 'content-type': 'application/json' }, payload: '' });
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.json().code, 'HOOKD_JOB_NOT_FOUND');
  });

  test('409 for a job that finished', async () => {
    const id = (await post(body({ pods: [{ namespace: 'a', name: 'b' }] }))).json().id as string;
    await t.store.setPods(id, [{ namespace: 'a', name: 'b' }], 1);
    await t.store.setPodStatus(id, 0, 'succeeded', null, 2);
    await t.store.finishJob(id, 3);
    const res = await t.app.inject({ method: 'DELETE', url: `/v1/jobs/${id}` });
    assert.equal(res.statusCode, 409);
    assert.match(res.json().message, /already ended \(completed\)/);
  });
});
