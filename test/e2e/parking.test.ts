// A pod that waits for its containers is parked: its queue job sits in BullMQ's delayed set
// and its wait is a small entry in Redis, not a job held by a worker. The namespace's watch
// wakes exactly that pod when its container comes up; its deadline, or a stop, wakes it too.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { api, startHookd, type TestHookd } from '../helpers/hookd.ts';
import { TEST_REDIS_URL } from '../helpers/redis.ts';
import { eventually } from '../helpers/eventually.ts';
import { startSim } from '../helpers/start-sim.ts';
import { A, createPod, sh, submit, until } from './velero-support.ts';

const NS = 'parking';
const env = await startSim({ lifecycle: { scheduleMs: 5, startMs: 5, readyMs: 5 } });
const redis = new Redis(TEST_REDIS_URL);
let hookd: TestHookd;

before(async () => {
  hookd = await startHookd({ kubeconfig: env.sim.kubeconfig });
  env.sim.createNamespace(NS);
});
after(async () => {
  await hookd.stop();
  await redis.quit();
});

const parkedIn = (ns: string): Promise<Record<string, string>> => redis.hgetall(`${hookd.prefix}:parked:${ns}`);
const delayedPods = (): Promise<number> => redis.zcard(`${hookd.prefix}:hookd-pods:delayed`);
const activePods = (): Promise<number> => redis.llen(`${hookd.prefix}:hookd-pods:active`);

describe('parked pods', () => {
  it('a waiting pod holds no worker: parked with what it waits for, woken when its container runs, unparked after', async () => {
    createPod(env.sim, NS, 'woken', { containers: ['app', 'side'], annotations: { [`${A}container`]: 'side', [`${A}command`]: JSON.stringify(sh('echo up')) } });
    const id = await submit(hookd.url, { pods: [{ namespace: NS, name: 'woken' }] });
    await until(hookd.url, id, (j) => j.pods[0]?.hooks[0]?.phase === 'waiting', 'the hook waits');
    await eventually('the pod is parked', async () => Object.keys(await parkedIn(NS)).length === 1 && (await delayedPods()) === 1);
    const entry = JSON.parse(Object.values(await parkedIn(NS))[0] ?? '{}') as { n: string; c: unknown };
    assert.deepEqual({ n: entry.n, c: entry.c }, { n: 'woken', c: [['side', 0]] });
    assert.equal(await activePods(), 0, 'no worker holds the waiting pod');

    // Another container coming up is not what the pod waits for: it stays parked.
    env.sim.setContainerState(NS, 'woken', 'app', 'running', { ready: true });
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await until(hookd.url, id, () => true, 'a read')).pods[0]?.hooks[0]?.phase, 'waiting');
    assert.equal(env.sim.counters().exec.started, 0);

    const upAt = Date.now();
    env.sim.setContainerState(NS, 'woken', 'side', 'running', { ready: true });
    const done = await until(hookd.url, id, (j) => j.finishedAt !== null, 'the job ends');
    assert.equal(done.pods[0]?.hooks[0]?.phase, 'succeeded');
    assert.ok(Date.now() - upAt < 5000, 'woken by the watch, not by its deadline');
    assert.deepEqual(await parkedIn(NS), {}, 'unparked');
    assert.equal(await redis.sismember(`${hookd.prefix}:parked`, NS), 0, 'the namespace has no parked pods left');
  });

  it('a woken run unparks only the park it was woken from: a park made since by another worker (another token) stays', async () => {
    // The run that took a stalled run's job over parks the pod again with a token of its own;
    // the stalled run's late unpark must leave that entry. Simulated by rewriting the entry's
    // token in Redis while the pod is parked (no message: this process keeps the first park
    // indexed, so the watch still wakes the pod).
    const ns = 'parking-token';
    env.sim.createNamespace(ns);
    createPod(env.sim, ns, 'retaken', { containers: ['app'], annotations: { [`${A}command`]: JSON.stringify(sh('echo up')) } });
    const id = await submit(hookd.url, { pods: [{ namespace: ns, name: 'retaken' }] });
    await eventually('the pod is parked', async () => Object.keys(await parkedIn(ns)).length === 1 && (await delayedPods()) === 1);
    const [field, value] = Object.entries(await parkedIn(ns))[0] ?? ['', '{}'];
    const entry = JSON.parse(value) as { t: number };
    const data = JSON.parse((await redis.hget(`${hookd.prefix}:hookd-pods:${id}_pod_0`, 'data')) ?? '{}') as { parkToken?: number };
    assert.ok(entry.t >= 1, 'the entry carries its park token');
    assert.equal(data.parkToken, entry.t, 'and so does the job data, for the run it wakes');
    const newer = JSON.stringify({ ...entry, t: entry.t === 1 ? 2 : entry.t - 1 });
    await redis.hset(`${hookd.prefix}:parked:${ns}`, field, newer);

    env.sim.setContainerState(ns, 'retaken', 'app', 'running', { ready: true });
    const done = await until(hookd.url, id, (j) => j.finishedAt !== null, 'the job ends');
    assert.equal(done.pods[0]?.hooks[0]?.phase, 'succeeded');
    // The run's unpark (in its `finally`) comes before BullMQ completes, and so removes, its queue job.
    await eventually('the pod job completed', async () => (await redis.exists(`${hookd.prefix}:hookd-pods:${id}_pod_0`)) === 0);
    assert.deepEqual(await parkedIn(ns), { [field]: newer }, 'the newer park is still there');
    await redis.hdel(`${hookd.prefix}:parked:${ns}`, field);
    await redis.srem(`${hookd.prefix}:parked`, ns);
  });

  it('the wait keeps its deadline through parking: the hook expires at its waitTimeout, not later', async () => {
    createPod(env.sim, NS, 'expires', { annotations: { [`${A}command`]: JSON.stringify(sh('echo never')), [`${A}wait-timeout`]: '1s' } });
    const started = Date.now();
    const id = await submit(hookd.url, { pods: [{ namespace: NS, name: 'expires' }] });
    const done = await until(hookd.url, id, (j) => j.finishedAt !== null, 'the job ends');
    const hook = done.pods[0]?.hooks[0];
    assert.equal(hook?.phase, 'failed');
    assert.match(hook?.error ?? '', /the wait ended after 1s/);
    assert.ok(Date.now() - started < 6000, `ended by its deadline (${Date.now() - started} ms)`);
    assert.deepEqual(await parkedIn(NS), {});
  });

  it('a DELETE wakes the parked pods of the job at once: their hooks are skipped, nothing runs', async () => {
    for (const name of ['stop-0', 'stop-1']) createPod(env.sim, NS, name, { annotations: { [`${A}command`]: JSON.stringify(sh('echo never')) } });
    const id = await submit(hookd.url, { pods: [{ namespace: NS, name: 'stop-0' }, { namespace: NS, name: 'stop-1' }] });
    await eventually('both pods are parked', async () => Object.keys(await parkedIn(NS)).length === 2);
    const before = env.sim.counters().exec.started;
    const stoppedAt = Date.now();
    assert.equal((await api(hookd.url, 'DELETE', `/v1/jobs/${id}`)).status, 202);
    const done = await until(hookd.url, id, (j) => j.finishedAt !== null, 'the job ends');
    assert.ok(Date.now() - stoppedAt < 3000, `woken by the stop (${Date.now() - stoppedAt} ms)`);
    assert.deepEqual(done.pods.map((p) => p.hooks[0]?.phase), ['skipped', 'skipped']);
    assert.equal(env.sim.counters().exec.started, before);
    assert.deepEqual(await parkedIn(NS), {});
  });

  it('a pod deleted while parked is woken and its hooks fail as Velero says', async () => {
    createPod(env.sim, NS, 'gone', { annotations: { [`${A}command`]: JSON.stringify(sh('echo never')) } });
    const id = await submit(hookd.url, { pods: [{ namespace: NS, name: 'gone' }] });
    await eventually('the pod is parked', async () => Object.keys(await parkedIn(NS)).length === 1);
    env.sim.deletePod(NS, 'gone');
    const done = await until(hookd.url, id, (j) => j.finishedAt !== null, 'the job ends');
    assert.match(done.pods[0]?.hooks[0]?.error ?? '', /pod deleted before all hooks were executed/);
  });
});
