// hookd on a Redis Cluster of three masters (real redis-server processes with
// cluster-enabled, on free loopback ports, with a password). A job runs with an
// Idempotency-Key and an event stream, another is cancelled while it waits, the jobs are
// listed; afterwards every key hookd and BullMQ wrote is under the braced prefix, in one
// slot on one node, which is what lets a job be created by one atomic script.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { api, startHookd, type TestHookd } from '../helpers/hookd.ts';
import { testPrefix } from '../helpers/redis.ts';
import { startSim } from '../helpers/start-sim.ts';
import { assertEveryHookOnce, ledgerJobEnd, ledgerPods, submitLedgerJob } from './ledger-job.ts';
import { startRedisCluster, until, withAdmin } from './servers.ts';

/** Reads a job's event stream to its `done` event; resolves with when that came. */
async function followToDone(url: string, id: string): Promise<{ events: string[]; doneAt: number }> {
  const res = await fetch(`${url}/v1/jobs/${id}/events`);
  assert.equal(res.status, 200);
  const events: string[] = [];
  const decoder = new TextDecoder();
  let buffer = '';
  const reader = res.body?.getReader();
  assert.ok(reader);
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    for (let i = buffer.indexOf('\n\n'); i >= 0; i = buffer.indexOf('\n\n')) {
      const event = /^event: (\S+)$/m.exec(buffer.slice(0, i))?.[1];
      buffer = buffer.slice(i + 2);
      if (event === undefined) continue;
      events.push(event);
      if (event === 'done') {
        await reader.cancel();
        return { events, doneAt: Date.now() };
      }
    }
  }
  throw new Error(`event stream of ${id} ended without done after ${events.length} events`);
}

test('a job runs through a 3-master Redis Cluster, every key in the braced prefix slot', async (t) => {
  const cluster = await startRedisCluster();
  let hookd: TestHookd | null = null;
  t.after(async () => {
    await hookd?.stop();
    await cluster.stop();
  });
  const env = await startSim({ lifecycle: { scheduleMs: 5, startMs: 5, readyMs: 5 } }, t);
  const prefix = `{${testPrefix()}}`;
  hookd = await startHookd({
    kubeconfig: env.sim.kubeconfig,
    prefix,
    removeKeys: false,
    // Two seeds of three: the client learns the rest from the cluster.
    env: { REDIS_CLUSTER_NODES: cluster.ports.slice(0, 2).map((p) => `127.0.0.1:${p}`).join(','), REDIS_PASSWORD: cluster.password },
  });
  assert.ok(hookd.logs.lines.some((l) => l['msg'] === 'connected to Redis' && l['kind'] === 'cluster'));

  // A job of 6 pods x 3 hooks, submitted with an Idempotency-Key and followed as it runs.
  const pods = ledgerPods(env, 'cluster', 6, 3, (pod, hook) => 30 + ((pod + hook) % 3) * 30);
  const headers = { 'idempotency-key': 'cluster-job-1' };
  const id = await submitLedgerJob(hookd.url, pods, headers);
  const followed = followToDone(hookd.url, id);
  const view = await ledgerJobEnd(hookd.url, id);
  const endedAt = Date.now();
  assertEveryHookOnce(pods, view);
  // The stream wakes on pub/sub (published by the store's scripts on the job's node); it
  // would otherwise only look again at its 15 s heartbeat.
  const stream = await followed;
  assert.ok(stream.doneAt - endedAt < 5000, `done came ${stream.doneAt - endedAt} ms after the job ended`);
  assert.ok(stream.events.filter((e) => e === 'hook').length >= 18, stream.events.join(','));
  // The same key again: the same job, not a second one.
  assert.equal(await submitLedgerJob(hookd.url, pods, headers), id);

  // A job whose pod never starts is cancelled while it waits: the stop reaches the worker.
  env.sim.createPod('cluster', { metadata: { name: 'never-up', annotations: { 'sim.hookd.io/lifecycle': 'manual' } }, spec: { containers: [{ name: 'c', image: 'x' }] } });
  const waiting = await api<{ id: string }>(hookd.url, 'POST', '/v1/jobs', {
    pods: [{ namespace: 'cluster', name: 'never-up' }],
    hooks: { resources: [{ name: 'w', postHooks: [{ exec: { container: 'c', command: ['hook', '0'] } }] }] },
  });
  assert.equal(waiting.status, 202);
  await until('the hook to wait for its container', async () => {
    const { body } = await api<{ pods: Array<{ hooks: Array<{ phase: string }> }> }>(hookd!.url, 'GET', `/v1/jobs/${waiting.body.id}`);
    return body.pods[0]?.hooks[0]?.phase === 'waiting';
  });
  assert.equal((await api(hookd.url, 'DELETE', `/v1/jobs/${waiting.body.id}`)).status, 202);
  const cancelled = await ledgerJobEnd(hookd.url, waiting.body.id, 15_000);
  assert.equal(cancelled.status, 'cancelled');
  assert.equal(cancelled.pods[0]?.hooks[0]?.phase, 'skipped');

  // Both jobs are listed, newest first (the index and a pipeline over both jobs' hashes).
  const list = await api<{ jobs: Array<{ id: string }> }>(hookd.url, 'GET', '/v1/jobs?limit=10');
  assert.deepEqual(
    list.body.jobs.map((j) => j.id),
    [waiting.body.id, id],
  );

  // Every key written, on every node: all under the prefix (nothing else uses this
  // cluster), all in the prefix's slot, so all on the one node that owns it.
  const perNode = await Promise.all(cluster.ports.map((port) => withAdmin(port, cluster.password, (r) => r.keys('*'))));
  const keys = perNode.flat();
  assert.deepEqual(keys.filter((k) => !k.startsWith(`${prefix}:`)), []);
  assert.equal(perNode.filter((k) => k.length > 0).length, 1, `keys on ${perNode.map((k) => k.length).join('/')} keys per node`);
  const slots = new Set(await withAdmin(cluster.ports[0] ?? 0, cluster.password, (r) => Promise.all(keys.map((k) => r.call('CLUSTER', 'KEYSLOT', k)))));
  assert.equal(slots.size, 1);
  // What was checked: the results store, the index, the idempotency key, BullMQ's queues, the rate limiter, the worker heartbeat.
  for (const part of [`:{${id}}:job`, ':jobs', ':idem:', ':hookd-jobs:', ':hookd-pods:', ':rate:', ':worker:']) {
    assert.ok(
      keys.some((k) => k.includes(part)),
      `no key with ${part} among ${keys.length}`,
    );
  }
});
