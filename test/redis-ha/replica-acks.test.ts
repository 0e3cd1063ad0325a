// Hook writes confirmed by a replica (store/replica-acks.ts): on a master with a live
// replica a write is confirmed at once; with its replica stopped the write is sent again
// until the retry window ends, reported unconfirmed once, and then confirmations pause; a
// write that changed nothing is not confirmed. Real redis-server processes: a master and its
// replica (the Sentinel setup), and the shared server, which has no replica.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Redis } from 'ioredis';
import { confirmedWrites, type ReplicaAcks } from '../../src/store/replica-acks.ts';
import { TEST_REDIS_URL, testPrefix } from '../helpers/redis.ts';
import { startSentinelSetup, withAdmin } from './servers.ts';

const ACKS: ReplicaAcks = { replicas: 1, waitMs: 50, retryForMs: 400, pauseMs: 60_000 };

test('a master with its replica: the write is confirmed by the first WAIT and sent once', async (t) => {
  const setup = await startSentinelSetup({ sentinels: 1 });
  t.after(() => setup.stop());
  // As hookd's durable connection: commands cut by a reconnect are sent again.
  const redis = new Redis({ host: '127.0.0.1', port: setup.masterPort, password: setup.password, maxRetriesPerRequest: null });
  t.after(() => redis.disconnect());
  const unconfirmed: string[] = [];
  const writes = confirmedWrites({ redis, acks: ACKS, onUnconfirmed: (what) => unconfirmed.push(what) });
  let calls = 0;
  const { first, last } = await writes.confirm('set k', async () => {
    calls++;
    return String(await redis.set('acks-test', String(calls)));
  }, (r) => r === 'OK');
  assert.deepEqual({ first, last, calls, unconfirmed }, { first: 'OK', last: 'OK', calls: 1, unconfirmed: [] });

  // The connection is cut while a write's WAIT waits (the replica is stopped, as in a
  // failover): the client sends the WAIT again on its new connection, where it says nothing
  // of the write, which must then be sent again.
  const replicaPid = await withAdmin(setup.replicaPort, setup.password, async (r) => Number(/process_id:(\d+)/.exec(await r.info('server'))?.[1]));
  const clientId = Number(await redis.client('ID'));
  const attempts: number[] = [];
  process.kill(replicaPid, 'SIGSTOP');
  let cut = false;
  t.after(() => {
    if (!cut) process.kill(replicaPid, 'SIGCONT');
  });
  // A WAIT long enough to be cut before it times out.
  const patient = confirmedWrites({ redis, acks: { ...ACKS, waitMs: 5000, retryForMs: 20_000 }, onUnconfirmed: (what) => unconfirmed.push(what) });
  const confirming = patient.confirm('set k again', async (attempt) => {
    attempts.push(attempt);
    return String(await redis.set('acks-test', 'again'));
  }, (r) => r === 'OK');
  await new Promise((r) => setTimeout(r, 300));
  await withAdmin(setup.masterPort, setup.password, (r) => r.call('CLIENT', 'KILL', 'ID', String(clientId)));
  process.kill(replicaPid, 'SIGCONT');
  cut = true;
  await confirming;
  assert.deepEqual(attempts, [0, 1], 'sent again once, then confirmed');
  assert.deepEqual(unconfirmed, []);
});

test('no replica confirms: the write is sent again until the window ends, reported once, then confirmations pause', async (t) => {
  // The shared server has no replica, as a master whose replica is gone.
  const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
  const key = `${testPrefix()}:acks`;
  t.after(async () => {
    await redis.del(key);
    redis.disconnect();
  });
  const unconfirmed: [string, number][] = [];
  const writes = confirmedWrites({ redis, acks: ACKS, onUnconfirmed: (what, attempts) => unconfirmed.push([what, attempts]) });
  const attempts: number[] = [];
  const started = Date.now();
  const { first, last } = await writes.confirm('incr', async (attempt) => {
    attempts.push(attempt);
    return redis.incr(key);
  }, () => true);
  const tookMs = Date.now() - started;
  assert.ok(attempts.length >= 3, `retried: attempts ${attempts.join(',')}`);
  assert.deepEqual(attempts, attempts.map((_, i) => i), 'attempts are numbered from 0');
  assert.equal(first, 1);
  assert.equal(last, attempts.length);
  assert.equal(unconfirmed.length, 1);
  assert.equal(unconfirmed[0]?.[0], 'incr');
  assert.ok(tookMs >= ACKS.retryForMs && tookMs < ACKS.retryForMs + 2000, `gave up after the window: ${tookMs} ms`);

  // Paused: the next write is sent once and not waited for.
  const pausedStart = Date.now();
  let calls = 0;
  await writes.confirm('incr again', async () => ++calls, () => true);
  assert.equal(calls, 1);
  assert.ok(Date.now() - pausedStart < ACKS.waitMs, 'no WAIT while confirmations pause');
  assert.equal(unconfirmed.length, 1);
});

test('writes waiting for confirmation share one WAIT: the connection is not held once per write', async (t) => {
  const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1, enableAutoPipelining: true });
  const key = `${testPrefix()}:shared`;
  t.after(async () => {
    await redis.del(key);
    redis.disconnect();
  });
  const acks: ReplicaAcks = { replicas: 1, waitMs: 100, retryForMs: 250, pauseMs: 60_000 };
  const unconfirmed: string[] = [];
  const writes = confirmedWrites({ redis, acks, onUnconfirmed: (what) => unconfirmed.push(what) });
  const waits = { n: 0 };
  const call = redis.call.bind(redis);
  redis.call = ((...args: Parameters<typeof redis.call>) => {
    if (String(args[0]).toUpperCase() === 'WAIT') waits.n++;
    return call(...args);
  }) as typeof redis.call;
  const started = Date.now();
  const all = Promise.all(Array.from({ length: 20 }, (_, i) => writes.confirm(`w${i}`, () => redis.incr(key), () => true)));
  // An unrelated command on the same connection meanwhile waits for one WAIT at most, not twenty.
  await new Promise((r) => setTimeout(r, 20));
  const setStarted = Date.now();
  await redis.set(`${key}:other`, '1');
  const setMs = Date.now() - setStarted;
  await redis.del(`${key}:other`);
  await all;
  const tookMs = Date.now() - started;
  assert.ok(setMs < 3 * acks.waitMs, `an unrelated SET waited ${setMs} ms`);
  // Each retry waits for a WAIT sent after it: a few WAITs' time beyond the window, not twenty.
  assert.ok(tookMs < acks.retryForMs + 12 * acks.waitMs, `twenty writes gave up after ${tookMs} ms`);
  assert.ok(waits.n < 20, `${waits.n} WAITs for 20 writes and their retries`);
  assert.equal(unconfirmed.length, 1, 'one warning, then confirmations pause');
});

test('a write that changed nothing is neither waited for nor sent again', async (t) => {
  const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
  t.after(() => redis.disconnect());
  const unconfirmed: string[] = [];
  const writes = confirmedWrites({ redis, acks: ACKS, onUnconfirmed: (what) => unconfirmed.push(what) });
  let calls = 0;
  const started = Date.now();
  const { first, last } = await writes.confirm('refused', async () => {
    calls++;
    return 'completed';
  }, (r) => r === 'ok');
  assert.deepEqual({ first, last, calls, unconfirmed }, { first: 'completed', last: 'completed', calls: 1, unconfirmed: [] });
  assert.ok(Date.now() - started < ACKS.waitMs);
});
