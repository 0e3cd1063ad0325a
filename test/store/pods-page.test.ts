// getPods on real Redis: pages of a job's pods in order, each pod exactly once (also while
// the job changes between pages), the status filter, cursors bound to their job and filter,
// and a page that reads only its own pods' fields.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import type { HookResult, PodRef, PodStatus } from '../../src/domain/types.ts';
import type { JobSpec, PodResultView } from '../../src/domain/views.ts';
import { CursorInvalidError } from '../../src/store/cursor.ts';
import { createRedisStore } from '../../src/store/redis-store.ts';
import type { JobStore, PodPageQuery } from '../../src/store/types.ts';
import { planned, planOf } from '../fixtures/plan.ts';
import { removePrefix, TEST_REDIS_URL, testPrefix, testSealer } from '../helpers/redis.ts';

const prefix = testPrefix();
let redis: Redis;
let store: JobStore;
const clock = 1_800_000_000_000;

before(() => {
  redis = new Redis(TEST_REDIS_URL);
  store = createRedisStore({ redis, prefix, retentionMs: 60_000, now: () => clock, sealer: testSealer() });
});
after(async () => {
  await removePrefix(prefix);
  redis.disconnect();
});

const refs = (n: number): PodRef[] => Array.from({ length: n }, (_, i) => ({ namespace: `ns-${i % 3}`, name: `pod-${String(i).padStart(5, '0')}` }));
const ok: HookResult = { phase: 'succeeded', exitCode: 0, stdout: 'ok\n', stderr: '', outputTruncated: false, error: null };

async function job(pods: readonly PodRef[], kind: 'pods' | 'selector' = 'pods'): Promise<string> {
  const spec: JobSpec = {
    id: `j-${randomUUID()}`,
    restore: null,
    source: kind === 'pods' ? { kind, pods } : { kind, namespaces: [], labelSelector: 'app=x' },
    hooks: null,
    failFast: false,
    warnings: [],
    createdAtMs: clock,
  };
  await store.createJob(spec);
  await store.setPods(spec.id, pods, clock);
  return spec.id;
}

/** Every page from the first, with what happens between pages. */
async function pages(id: string, query: Omit<PodPageQuery, 'cursor'>, between: (page: number) => Promise<void> = async () => undefined): Promise<PodResultView[][]> {
  const out: PodResultView[][] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await store.getPods(id, { ...query, ...(cursor !== undefined ? { cursor } : {}) });
    assert.ok(page);
    out.push([...page.pods]);
    if (page.nextCursor === null) return out;
    cursor = page.nextCursor;
    await between(out.length);
    assert.ok(out.length < 1000, 'paging ends');
  }
}

const names = (pods: readonly PodResultView[]) => pods.map((p) => `${p.namespace}/${p.name}`);

describe('getPods', () => {
  test('pages of 1,000 give every pod of 2,500 exactly once, in order; the last page has no cursor', async () => {
    const all = refs(2500);
    const id = await job(all);
    const got = await pages(id, { limit: 1000 });
    assert.deepEqual(got.map((p) => p.length), [1000, 1000, 500]);
    assert.deepEqual(names(got.flat()), all.map((r) => `${r.namespace}/${r.name}`));
    const exact = await pages(id, { limit: 1250 });
    assert.deepEqual(exact.map((p) => p.length), [1250, 1250], 'no empty page after an exact fit');
  });

  test('a page shows the same pod view as the whole job, hooks included', async () => {
    const all = refs(5);
    const id = await job(all);
    await store.recordPlan(id, 2, { hooks: [planned(0), planned(1, { name: 'second', command: ['echo', 'x'] })], warnings: ['w'] }, clock);
    await store.markHookRunning(id, 2, 0, clock);
    await store.recordHookResult(id, 2, 0, ok, clock + 5);
    await store.setPodStatus(id, 4, 'failed', 'pod db/x not found', clock);
    const whole = await store.getJob(id);
    const page = await store.getPods(id, { limit: 3, cursor: (await store.getPods(id, { limit: 2 }))?.nextCursor ?? '' });
    assert.deepEqual(page?.pods, whole?.pods.slice(2, 5));
  });

  test('every pod exactly once while the job runs: plans, hooks and statuses change between pages', async () => {
    const all = refs(1200);
    const id = await job(all);
    const got = await pages(id, { limit: 100 }, async (n) => {
      // Pods already shown and pods not yet shown both change.
      for (const i of [n * 100 - 1, n * 100 + 50, 1199]) {
        await store.recordPlan(id, i, planOf(planned(0)), clock);
        await store.setPodStatus(id, i, 'running', null, clock);
      }
    });
    assert.equal(got.length, 12);
    assert.deepEqual(names(got.flat()), all.map((r) => `${r.namespace}/${r.name}`));
    assert.equal(got.flat().at(-1)?.status, 'running', 'a page shows the pod as it is when the page is read');
  });

  test('the status filter: only those pods, in order, across pages; each once while statuses do not change', async () => {
    const all = refs(3000);
    const id = await job(all);
    const failed = new Set([0, 7, 999, 1000, 1001, 2998]);
    for (const i of failed) await store.setPodStatus(id, i, 'failed', 'boom', clock);
    for (let i = 1500; i < 1510; i++) await store.setPodStatus(id, i, 'succeeded', null, clock);
    const got = await pages(id, { limit: 4, status: 'failed' });
    assert.deepEqual(got.map((p) => p.length), [4, 2]);
    assert.deepEqual(names(got.flat()), [...failed].map((i) => `${all[i]?.namespace}/${all[i]?.name}`));
    assert.ok(got.flat().every((p) => p.status === 'failed' && p.error === 'boom'));
    const succeeded = await pages(id, { limit: 100, status: 'succeeded' });
    assert.deepEqual(succeeded.map((p) => p.length), [10]);
    const pending = await pages(id, { limit: 1000, status: 'pending' });
    assert.equal(pending.flat().length, 3000 - failed.size - 10, 'an unwritten status counts as pending');
    const none = await store.getPods(id, { limit: 10, status: 'cancelled' });
    assert.deepEqual(none, { pods: [], nextCursor: null });
  });

  test('a selector job before its pods are listed has no pods; unknown jobs are null', async () => {
    const spec: JobSpec = { id: `j-${randomUUID()}`, restore: null, source: { kind: 'selector', namespaces: [], labelSelector: 'a=b' }, hooks: null, failFast: false, warnings: [], createdAtMs: clock };
    await store.createJob(spec);
    assert.deepEqual(await store.getPods(spec.id, { limit: 10 }), { pods: [], nextCursor: null });
    assert.equal(await store.getPods('nope', { limit: 10 }), null);
  });

  test('cursors: refused when not ours, of another job, or for another filter', async () => {
    const a = await job(refs(30));
    const b = await job(refs(30));
    const cursor = (await store.getPods(a, { limit: 10 }))?.nextCursor;
    const filtered = (await store.getPods(a, { limit: 1, status: 'pending' }))?.nextCursor;
    assert.ok(cursor && filtered);
    const jobsCursor = Buffer.from(JSON.stringify([1, 'x'])).toString('base64url');
    const cases: [string, string, PodStatus | undefined, RegExp][] = [
      [a, 'garbage!', undefined, /is not a cursor this server returned/],
      [a, jobsCursor, undefined, /is not a cursor this server returned/],
      [a, Buffer.from(JSON.stringify(['pods', a, -1, ''])).toString('base64url'), undefined, /is not a cursor/],
      [a, Buffer.from(JSON.stringify(['pods', a, 1.5, ''])).toString('base64url'), undefined, /is not a cursor/],
      [b, cursor, undefined, /is a cursor of another job/],
      [a, cursor, 'failed', /was returned without a status filter/],
      [a, filtered, undefined, /was returned for status=pending/],
    ];
    for (const [id, c, status, want] of cases) {
      await assert.rejects(store.getPods(id, { limit: 10, cursor: c, ...(status ? { status } : {}) }), (err: unknown) => err instanceof CursorInvalidError && want.test(err.message), `${c} on ${id}`);
    }
  });

  test('a page reads only its own pods: no HGETALL, no field of a pod outside the page', async () => {
    const all = refs(2000);
    const id = await job(all);
    for (let i = 0; i < 2000; i += 100) await store.recordPlan(id, i, planOf(planned(0)), clock);
    const conn = redis.duplicate();
    const monitor = await conn.monitor();
    const seen: string[] = [];
    monitor.on('monitor', (_time: string, args: string[]) => {
      if (args.some((a) => a.includes(id))) seen.push(args.join(' '));
    });
    try {
      const page = await store.getPods(id, { limit: 100, cursor: (await store.getPods(id, { limit: 1000 }))?.nextCursor ?? '' });
      assert.equal(page?.pods.length, 100);
      assert.equal(page?.pods[0]?.name, all[1000]?.name);
      assert.equal(page?.pods[0]?.hooks.length, 1);
      await new Promise((r) => setTimeout(r, 100));
    } finally {
      monitor.disconnect();
      conn.disconnect();
    }
    assert.ok(seen.length > 0, 'the monitor saw the reads');
    assert.ok(!seen.some((c) => /^hgetall /i.test(c)), `no HGETALL: ${seen.filter((c) => /^hgetall/i.test(c)).join('; ')}`);
    // The second page's reads name pods 1000..1099 only.
    const last = seen.filter((c) => c.includes(':pods ') && c.includes('1000:ref'));
    assert.equal(last.length, 1);
    assert.ok(!seen.some((c) => c.includes(':pods ') && /\b1100:ref\b/.test(c)), 'pod 1100 is not read');
  });
});
