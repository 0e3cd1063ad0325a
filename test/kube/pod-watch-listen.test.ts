// A listener that joins a namespace whose informer already runs (another pod's run, a
// read-ahead, or the linger after the last listener left) is told nothing of the pods as
// they are: only later events. The parking lot listens this way when it learns of a parked
// pod from a resync or a park message, so a pod whose container came up before that (all
// workers restarting, a parker that died after its move to delayed) is never woken by an
// event and sleeps to its deadline.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { PodState } from '../../src/domain/types.ts';
import type { PodTrack } from '../../src/queue/ports.ts';
import { createPodWatchHub, type PodWatchHub } from '../../src/kube/pod-watch.ts';
import { logSink, manualPod, startSim, until } from './support.ts';
import type { SimEnv } from './support.ts';

let env: SimEnv;
let hub: PodWatchHub;

before(async () => {
  env = await startSim({});
  hub = createPodWatchHub({ kc: env.kc, log: logSink('warn').log, lingerMs: 200 });
});
after(async () => {
  await hub.stop();
  await env.sim.stop();
});

/**
 * A namespace with pod `other` and pod `up` (its app container running), whose informer is
 * held by a track of `other` (another pod's run) and has listed it.
 */
async function listedNamespace(ns: string): Promise<PodTrack> {
  env.sim.createNamespace(ns);
  env.sim.createPod(ns, manualPod('other'));
  env.sim.createPod(ns, manualPod('up'));
  env.sim.setContainerState(ns, 'up', 'app', 'running', { ready: true });
  assert.ok(hub.track);
  const other = hub.track({ namespace: ns, name: 'other' });
  await until('the informer listed the namespace', () => other.latest() !== null);
  return other;
}

test('a listener that joins a running informer is told the pods as they are', async () => {
  const ns = `pwl-${process.pid}`;
  const other = await listedNamespace(ns);
  const seen: Array<{ name: string; state: PodState }> = [];
  let listed: boolean[] | null = null;
  const off = hub.listen(ns, (name, state) => seen.push({ name, state }), { onListed: (shown) => (listed = ['up', 'other', 'gone'].map(shown)) });
  try {
    await until('the listener told of the pod that is up', () => seen.some((s) => s.name === 'up'), 2_000);
    const up = seen.find((s) => s.name === 'up')?.state;
    assert.equal(up?.kind === 'present' && up.pod.containerStatuses.find((c) => c.name === 'app')?.running, true);
    // After the list: which names it showed, so a listener can tell a pod deleted before it joined.
    await until('the list is over', () => listed !== null, 2_000);
    assert.deepEqual(listed, [true, true, false]);
  } finally {
    off();
    other.release();
  }
});

test('a listener that asks for no catch-up hears only later changes', async () => {
  const ns = `pwl2-${process.pid}`;
  const other = await listedNamespace(ns);
  const seen: string[] = [];
  const off = hub.listen(ns, (name) => seen.push(name), { catchUp: false });
  try {
    env.sim.setContainerState(ns, 'other', 'app', 'running', { ready: true });
    await until('the change is heard', () => seen.includes('other'), 2_000);
    assert.deepEqual(seen, ['other'], 'the pod that was up before the listener joined is not told');
  } finally {
    off();
    other.release();
  }
});
