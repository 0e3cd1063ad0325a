// GET /v1/jobs/{id}/events over a real listening socket: live hook events from store writes,
// done and the end of the stream, Last-Event-ID resume, the final snapshot, 204 after done,
// heartbeats, the cap on streams, and streams ended when the server closes.

import assert from 'node:assert/strict';
import { connect as tcpConnect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { PodRef } from '../../src/domain/types.ts';
import { planned, planOf } from '../fixtures/plan.ts';
import { createRedisStore } from '../../src/store/redis-store.ts';
import { testSealer } from '../helpers/redis.ts';
import { json, testApp, type TestApp } from './helpers.ts';
import { connect, type Frame } from './sse-client.ts';

let t: TestApp;
let base: string;
before(async () => {
  t = await testApp({ sseHeartbeatMs: 200, limits: { maxSseClients: 3 } });
  base = await t.app.listen({ host: '127.0.0.1', port: 0 });
});
after(() => t.close());

const pods: PodRef[] = [{ namespace: 'db', name: 'pg-0' }];
const ok = { phase: 'succeeded', exitCode: 0, stdout: 'fine', stderr: '', outputTruncated: false, error: null } as const;

async function newJob(): Promise<string> {
  const res = await t.app.inject({ method: 'POST', url: '/v1/jobs', ...json({ pods }) });
  assert.equal(res.statusCode, 202);
  return res.json().id as string;
}

/** Runs the job to its end through the store, as a worker would: 2 hooks, then done. */
async function runToEnd(id: string): Promise<void> {
  await t.store.setPods(id, pods, 1);
  await t.store.recordPlan(id, 0, planOf(planned(0), planned(1)), 2);
  await t.store.markHooksWaiting(id, 0, [0, 1], 3);
  await t.store.markHookRunning(id, 0, 0, 4);
  await t.store.recordHookResult(id, 0, 0, ok, 5);
  await t.store.markHookRunning(id, 0, 1, 6);
  await t.store.recordHookResult(id, 0, 1, ok, 7);
  await t.store.setPodStatus(id, 0, 'succeeded', null, 8);
  await t.store.finishJob(id, 9);
}

const hookFrames = (frames: Frame[]) => frames.filter((f) => f.event === 'hook').map((f) => [(f.data as { index: number }).index, (f.data as { phase: string }).phase]);

describe('event streams', () => {
  test('a client that follows from the start sees every change, then done, then the end', async () => {
    const id = await newJob();
    const sse = await connect(`${base}/v1/jobs/${id}/events`);
    assert.equal(sse.status, 200);
    assert.match(String(sse.headers['content-type']), /^text\/event-stream/);
    assert.equal((await sse.next())?.retry, 2000);
    await runToEnd(id);
    const frames = (await sse.collect((f) => f.event === 'done')).filter((f) => f.comment === undefined);
    assert.deepEqual(hookFrames(frames), [
      [0, 'pending'], [1, 'pending'], [0, 'waiting'], [1, 'waiting'], [0, 'running'], [0, 'succeeded'], [1, 'running'], [1, 'succeeded'],
    ]);
    for (const f of frames) assert.match(f.id ?? '', /^\d+-\d+$/, 'every event has an id');
    const first = frames[0]?.data as Record<string, unknown>;
    assert.equal(first['namespace'], 'db');
    assert.equal(first['pod'], 'pg-0');
    const done = frames.at(-1);
    assert.equal(done?.event, 'done');
    assert.deepEqual(done?.data, { status: 'completed', summary: (await t.store.getJob(id))?.summary });
    await sse.ended;
  });

  test('Last-Event-ID: a client that reconnects gets exactly what it missed', async () => {
    const id = await newJob();
    await t.store.setPods(id, pods, 1);
    await t.store.recordPlan(id, 0, planOf(planned(0), planned(1)), 2);
    const sse = await connect(`${base}/v1/jobs/${id}/events`);
    const firstTwo = (await sse.collect((f) => f.event === 'hook' && (f.data as { index: number }).index === 1)).filter((f) => f.event === 'hook');
    assert.deepEqual(hookFrames(firstTwo), [[0, 'pending'], [1, 'pending']]);
    sse.close();
    await t.store.markHookRunning(id, 0, 0, 4);
    await t.store.recordHookResult(id, 0, 0, ok, 5);
    const all = await t.store.readEvents(id, null, 100);
    const lastSeen = firstTwo.at(-1)?.id ?? '';
    const again = await connect(`${base}/v1/jobs/${id}/events`, { 'last-event-id': lastSeen });
    const missed = await again.collect((f) => f.event === 'hook' && (f.data as { phase: string }).phase === 'succeeded');
    const events = missed.filter((f) => f.event !== undefined);
    assert.deepEqual(hookFrames(events), [[0, 'running'], [0, 'succeeded']]);
    const at = all.findIndex((e) => e.id === lastSeen);
    assert.deepEqual(events.map((f) => f.id), all.slice(at + 1, at + 3).map((e) => e.id));
    again.close();
  });

  test('a client arriving after the end gets the final states and done at once; after done, 204', async () => {
    const id = await newJob();
    await runToEnd(id);
    const sse = await connect(`${base}/v1/jobs/${id}/events`);
    const body = await sse.body;
    const frames = body
      .split('\n\n')
      .filter((b) => b.startsWith('id:'))
      .map((b) => Object.fromEntries(b.split('\n').map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)])));
    assert.deepEqual(
      frames.map((f) => [f['event'], f['event'] === 'hook' ? JSON.parse(f['data'] ?? '{}').phase : JSON.parse(f['data'] ?? '{}').status]),
      [['hook', 'succeeded'], ['hook', 'succeeded'], ['done', 'completed']],
    );
    const doneId = frames.at(-1)?.['id'] ?? '';
    const after = await t.app.inject({ url: `/v1/jobs/${id}/events`, headers: { 'last-event-id': doneId } });
    assert.equal(after.statusCode, 204);
  });

  test("the opening snapshot: each hook's frame carries its own event's id, so a client may resume after any of them", async () => {
    const id = await newJob();
    await t.store.setPods(id, pods, 1);
    await t.store.recordPlan(id, 0, planOf(planned(0), planned(1)), 2);
    await t.store.markHooksWaiting(id, 0, [0, 1], 3);
    await t.store.markHookRunning(id, 0, 0, 4);
    await t.store.recordHookResult(id, 0, 0, ok, 5);
    const log = await t.store.readEvents(id, null, 100);
    const sse = await connect(`${base}/v1/jobs/${id}/events`);
    const snap = (await sse.collect((f) => f.comment === 'keep-alive')).filter((f) => f.event === 'hook');
    sse.close();
    // Hook 1's latest event (waiting) came before hook 0's (succeeded): that order, those ids.
    assert.deepEqual(hookFrames(snap), [[1, 'waiting'], [0, 'succeeded']]);
    const waiting1 = log.find((e) => (e.data as { index: number; phase: string }).index === 1 && (e.data as { phase: string }).phase === 'waiting');
    assert.deepEqual(snap.map((f) => f.id), [waiting1?.id, log.at(-1)?.id]);

    // Gone after the first frame: back with its id, the client still learns hook 0's state.
    const again = await connect(`${base}/v1/jobs/${id}/events`, { 'last-event-id': snap[0]?.id ?? '' });
    const rest = (await again.collect((f) => f.comment === 'keep-alive')).filter((f) => f.event === 'hook');
    again.close();
    assert.deepEqual(hookFrames(rest).at(-1), [0, 'succeeded']);
  });

  test('a snapshot larger than a batch: each hook once, at its latest state, in the order of its events, then done', async () => {
    const id = await newJob();
    const many = Array.from({ length: 250 }, (_, i) => planned(i));
    await t.store.setPods(id, pods, 1);
    await t.store.recordPlan(id, 0, planOf(...many), 2);
    // Hooks end in reverse order, so the order of their latest events is not the plan's.
    for (const h of [...many].reverse()) {
      await t.store.markHookRunning(id, 0, h.index, 3);
      await t.store.recordHookResult(id, 0, h.index, ok, 4);
    }
    await t.store.setPodStatus(id, 0, 'succeeded', null, 5);
    await t.store.finishJob(id, 6);
    const sse = await connect(`${base}/v1/jobs/${id}/events`);
    const frames = (await sse.collect(() => false)).filter((f) => f.event !== undefined);
    const hooks = frames.filter((f) => f.event === 'hook');
    assert.deepEqual(hooks.map((f) => (f.data as { index: number }).index), many.map((h) => h.index).reverse());
    assert.ok(hooks.every((f) => (f.data as { phase: string }).phase === 'succeeded'));
    const ids = frames.map((f) => f.id ?? '');
    const order = (x: string): [bigint, bigint] => x.split('-').map(BigInt) as [bigint, bigint];
    for (let i = 1; i < ids.length; i++) {
      const [a, b] = [order(ids[i - 1] ?? ''), order(ids[i] ?? '')];
      assert.ok(a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]), `ids rise: ${ids[i - 1]} then ${ids[i]}`);
    }
    assert.equal(frames.at(-1)?.event, 'done');
    assert.equal(frames.length, 251);
  });

  test('heartbeats are comments while nothing happens', async () => {
    const id = await newJob();
    const sse = await connect(`${base}/v1/jobs/${id}/events`);
    const frames = await sse.collect((f) => f.comment === 'keep-alive');
    assert.equal(frames.at(-1)?.comment, 'keep-alive');
    sse.close();
  });

  test('unknown job: 404 with the error body', async () => {
    const res = await t.app.inject({ url: '/v1/jobs/nope/events' });
    assert.equal(res.statusCode, 404);
    assert.equal(res.json().code, 'HOOKD_JOB_NOT_FOUND');
  });

  test('open streams are capped (503 beyond), and a closed one frees its place', async () => {
    const id = await newJob();
    const open = await Promise.all([1, 2, 3].map(() => connect(`${base}/v1/jobs/${id}/events`)));
    await Promise.all(open.map((s) => s.next()));
    const over = await connect(`${base}/v1/jobs/${id}/events`);
    assert.equal(over.status, 503);
    const body = JSON.parse(await over.body) as { code: string };
    assert.equal(body.code, 'HOOKD_LIMIT_SSE_CLIENTS');
    open[0]?.close();
    // The server notices the client leaving; then a new stream is accepted.
    let status = 0;
    for (let i = 0; i < 50 && status !== 200; i++) {
      const s = await connect(`${base}/v1/jobs/${id}/events`);
      status = s.status;
      s.close();
      if (status !== 200) await new Promise((r) => setImmediate(r));
    }
    assert.equal(status, 200);
    for (const s of open) s.close();
  });
});

describe('what a stream holds', () => {
  test('events with outputs are read at most 100 at a time, the snapshot included', async () => {
    const asked: number[] = [];
    const own = await testApp({
      store: (redis, prefix) => {
        const store = createRedisStore({ redis, prefix, retentionMs: 60_000, sealer: testSealer() });
        return { ...store, readEvents: (jobId: string, afterId: string | null, max: number) => (asked.push(max), store.readEvents(jobId, afterId, max)) };
      },
    });
    try {
      const url = await own.app.listen({ host: '127.0.0.1', port: 0 });
      const id = (await own.app.inject({ method: 'POST', url: '/v1/jobs', ...json({ pods }) })).json().id as string;
      const many = Array.from({ length: 150 }, (_, i) => planned(i));
      await own.store.setPods(id, pods, 1);
      await own.store.recordPlan(id, 0, planOf(...many), 2);
      for (const h of many) await own.store.recordHookResult(id, 0, h.index, ok, 3);
      await own.store.setPodStatus(id, 0, 'succeeded', null, 4);
      await own.store.finishJob(id, 5);
      const sse = await connect(`${url}/v1/jobs/${id}/events`);
      const frames = (await sse.collect(() => false)).filter((f) => f.event !== undefined);
      assert.equal(frames.length, 151);
      assert.ok(asked.length > 0 && asked.every((n) => n <= 100), `reads of ${asked.join(', ')} events`);
    } finally {
      await own.close();
    }
  });
});

describe('a client that reads nothing', () => {
  test('has its stream ended once a write waited the stall limit, which frees its place', async () => {
    const own = await testApp({ sseHeartbeatMs: 60_000, sseWriteStallMs: 300 });
    const url = new URL(await own.app.listen({ host: '127.0.0.1', port: 0 }));
    try {
      const id = (await own.app.inject({ method: 'POST', url: '/v1/jobs', ...json({ pods }) })).json().id as string;
      // A snapshot far larger than the sockets' buffers: 400 hooks with 32 KiB of output each.
      const hooks = Array.from({ length: 400 }, (_, i) => planned(i));
      await own.store.setPods(id, pods, 1);
      await own.store.recordPlan(id, 0, planOf(...hooks), 2);
      for (const h of hooks) await own.store.recordHookResult(id, 0, h.index, { ...ok, stdout: 'x'.repeat(32 * 1024) }, 3);
      const gauge = async (): Promise<number> => (await own.metrics.getSingleMetric('hookd_sse_clients')?.get())?.values[0]?.value ?? -1;

      const socket = tcpConnect(Number(url.port), url.hostname);
      await new Promise<void>((resolve) => socket.once('connect', resolve));
      socket.write(`GET /v1/jobs/${id}/events HTTP/1.1\r\nHost: ${url.host}\r\nAccept: text/event-stream\r\n\r\n`);
      socket.pause();
      socket.on('error', () => undefined);
      let open = 0;
      for (let i = 0; i < 100 && open === 0; i++, await new Promise((r) => setTimeout(r, 20))) open = await gauge();
      assert.equal(open, 1, 'the stream opened');
      let left = 1;
      for (let i = 0; i < 150 && left !== 0; i++, await new Promise((r) => setTimeout(r, 20))) left = await gauge();
      assert.equal(left, 0, 'the stalled stream was ended');
      assert.ok(own.logs.some((l) => l.includes('event stream ended: the client took nothing')), 'and the log says why');
      socket.destroy();
    } finally {
      await own.close();
    }
  });
});

describe('closing the server', () => {
  test('ends open streams instead of waiting for them', async () => {
    const own = await testApp({ sseHeartbeatMs: 60_000 });
    const url = await own.app.listen({ host: '127.0.0.1', port: 0 });
    const id = (await own.app.inject({ method: 'POST', url: '/v1/jobs', ...json({ pods }) })).json().id as string;
    const sse = await connect(`${url}/v1/jobs/${id}/events`);
    await sse.next();
    await own.close();
    await sse.ended;
  });
});
