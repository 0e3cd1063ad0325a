// hookd on Redis Sentinel: a master with one replica and two sentinels (real redis-server
// and redis-sentinel processes on free loopback ports, with passwords for the data and for
// the sentinels). A job runs while Sentinel fails the master over to the replica: every
// hook runs exactly once, none is lost or run twice, and each is reported as it ran; a
// job submitted after the failover runs on the new master.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startHookd, type TestHookd } from '../helpers/hookd.ts';
import { testPrefix } from '../helpers/redis.ts';
import { startSim } from '../helpers/start-sim.ts';
import { assertEveryHookOnce, ledgerJobEnd, ledgerPods, submitLedgerJob } from './ledger-job.ts';
import { startSentinelSetup, until, withAdmin } from './servers.ts';

test('a job runs through Sentinel and survives a failover in its middle: every hook once', async (t) => {
  const setup = await startSentinelSetup({ sentinels: 2 });
  let hookd: TestHookd | null = null;
  // One cleanup, in order: hookd before the servers it talks to.
  t.after(async () => {
    await hookd?.stop();
    await setup.stop();
  });
  const env = await startSim({ lifecycle: { scheduleMs: 5, startMs: 5, readyMs: 5 } }, t);
  const prefix = testPrefix();
  hookd = await startHookd({
    kubeconfig: env.sim.kubeconfig,
    prefix,
    removeKeys: false,
    env: {
      REDIS_SENTINELS: setup.sentinelPorts.map((p) => `127.0.0.1:${p}`).join(','),
      REDIS_SENTINEL_NAME: setup.name,
      REDIS_PASSWORD: setup.password,
      REDIS_SENTINEL_PASSWORD: setup.sentinelPassword,
    },
  });
  assert.ok(hookd.logs.lines.some((l) => l['msg'] === 'connected to Redis' && String(l['redis']).startsWith(`master "${setup.name}" through sentinels`)));

  // 10 pods x 6 hooks of 150-350 ms, run one after another in each pod: the job lasts
  // about 2 s plus the failover, and hooks start, run and end while it happens.
  const pods = ledgerPods(env, 'sentinel', 10, 6, (pod, hook) => 150 + ((pod * 7 + hook * 13) % 5) * 50);
  const id = await submitLedgerJob(hookd.url, pods);
  await until('the first hooks to end', async () => pods.ended() >= 10, 20_000);
  const endedBefore = pods.ended();
  const newMaster = await setup.failover();
  assert.equal(newMaster, setup.replicaPort);
  const endedAtSwitch = pods.ended();
  const view = await ledgerJobEnd(hookd.url, id);
  // The failover really fell in the middle of the job: hooks ended before it and after it.
  assert.ok(endedBefore < 60 && endedAtSwitch < 60, `ended before the failover: ${endedBefore}, when the sentinels switched: ${endedAtSwitch}`);
  assertEveryHookOnce(pods, view);

  // hookd's connections moved to the new master, where the job's records now are.
  await withAdmin(setup.replicaPort, setup.password, async (r) => {
    const clients = await r.call('CLIENT', 'LIST');
    assert.match(String(clients), /name=hookd-durable/);
    assert.match(String(clients), /name=hookd-command/);
    assert.ok((await r.keys(`${prefix}:*`)).length > 0);
  });

  // A job submitted after the failover runs on the new master.
  const after = ledgerPods(env, 'sentinel-after', 3, 2, () => 20);
  const view2 = await ledgerJobEnd(hookd.url, await submitLedgerJob(hookd.url, after));
  assertEveryHookOnce(after, view2);
});
