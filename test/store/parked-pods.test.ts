// The parked-pod entries on real Redis: an unpark deletes only the park it owns (the one whose
// token it carries), so a run that lost its queue job to another worker cannot delete the park
// that worker made since; entries written before parks carried a token still unpark.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { storeKeys } from '../../src/store/keys.ts';
import { createParkedPods, parseParkChange, type ParkChange, type ParkedPod, type ParkedPods } from '../../src/store/parked-pods.ts';
import { removePrefix, TEST_REDIS_URL, testPrefix } from '../helpers/redis.ts';

const pod: ParkedPod = { jobId: 'j', podIndex: 3, namespace: 'ns', name: 'p', awaited: [{ name: 'app', ready: false }], untilMs: 2_000_000_000_000, sinceMs: 1_900_000_000_000, token: 11 };
const slot = { namespace: 'ns', jobId: 'j', podIndex: 3 };

describe('parked pods in Redis', () => {
  const prefix = testPrefix();
  const keys = storeKeys(prefix);
  const redis = new Redis(TEST_REDIS_URL);
  const subscriber = new Redis(TEST_REDIS_URL);
  const heard: ParkChange[] = [];
  let store: ParkedPods;

  before(async () => {
    store = createParkedPods(redis, prefix);
    await subscriber.subscribe(keys.parkedChannel);
    subscriber.on('message', (_channel: string, message: string) => {
      const change = parseParkChange(message);
      if (change !== null) heard.push(change);
    });
  });
  after(async () => {
    await removePrefix(prefix);
    subscriber.disconnect();
    await redis.quit();
  });

  const entries = async (): Promise<ParkedPod[]> => {
    const all: ParkedPod[] = [];
    await store.scan((_ns, pods) => all.push(...pods));
    return all;
  };
  const messages = async (): Promise<ParkChange[]> => {
    await redis.ping(); // the messages published before this reply are on their way to the subscriber
    await new Promise((r) => setTimeout(r, 50));
    return heard.splice(0);
  };

  test('a park is read back with its token; an unpark with that token removes it and says which park it removed', async () => {
    await store.park(pod);
    assert.deepEqual(await entries(), [pod]);
    await store.unpark({ ...slot, token: 11 });
    assert.deepEqual(await entries(), []);
    assert.equal(await redis.sismember(keys.parkedNamespaces, 'ns'), 0, 'the namespace has no parked pod left');
    assert.deepEqual(await messages(), [
      { kind: 'parked', pod },
      { kind: 'unparked', slot, token: 11 },
    ]);
  });

  test('an unpark by a run that lost its job does not delete the park another worker made since', async () => {
    await store.park(pod);
    const again = { ...pod, token: 12 }; // the worker that took the job over parked the pod again
    await store.park(again);
    await store.unpark({ ...slot, token: 11 }); // the first run's late `finally`
    assert.deepEqual(await entries(), [again], 'the new park is kept');
    assert.equal(await redis.sismember(keys.parkedNamespaces, 'ns'), 1, 'its namespace stays watched');
    assert.deepEqual((await messages()).map((m) => m.kind), ['parked', 'parked'], 'no unpark is announced');
    await store.unpark({ ...slot, token: 12 });
    assert.deepEqual(await entries(), []);
  });

  test('an entry written before parks carried a token is unparked by a run without one, and only by it', async () => {
    await redis.hset(keys.parked('ns'), 'j/3', JSON.stringify({ n: 'p', c: [['app', 0]], u: pod.untilMs, s: pod.sinceMs }));
    await redis.sadd(keys.parkedNamespaces, 'ns');
    assert.deepEqual(await entries(), [{ ...pod, token: 0 }], 'read as token 0');
    await store.unpark({ ...slot, token: 11 });
    assert.equal((await entries()).length, 1, 'a run with a token owns a park of its own, not this one');
    await store.unpark({ ...slot, token: 0 });
    assert.deepEqual(await entries(), []);
    await messages();
  });

  test('an entry that cannot be read is removed by any unpark of its slot (no process indexes it)', async () => {
    await redis.hset(keys.parked('ns'), 'j/3', 'not json');
    await redis.sadd(keys.parkedNamespaces, 'ns');
    await store.unpark({ ...slot, token: 11 });
    assert.equal(await redis.hlen(keys.parked('ns')), 0);
    await messages();
  });

  test('an unpark message of a version without tokens is read as removing whatever park the slot has', () => {
    assert.deepEqual(parseParkChange(JSON.stringify({ op: '-', ns: 'ns', f: 'j/3' })), { kind: 'unparked', slot, token: null });
  });
});
