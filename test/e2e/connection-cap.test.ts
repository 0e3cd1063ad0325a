// HOOKD_MAX_CONNECTIONS: beyond it, a new socket is closed at once instead of held.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { test } from 'node:test';
import { startHookd } from '../helpers/hookd.ts';
import { startSim } from '../helpers/start-sim.ts';

test('sockets beyond the cap are closed at once; one frees a place when it closes', async (t) => {
  const env = await startSim({}, t);
  const hookd = await startHookd({ kubeconfig: env.sim.kubeconfig, env: { HOOKD_MAX_CONNECTIONS: '3' } });
  t.after(() => hookd.stop());
  const port = Number(new URL(hookd.url).port);
  const open = async (): Promise<Socket> => {
    const s = connect(port, '127.0.0.1');
    s.on('error', () => undefined);
    await once(s, 'connect');
    return s;
  };
  const held = [await open(), await open(), await open()];
  await new Promise((r) => setTimeout(r, 100));
  const extra = await open();
  const closed = await Promise.race([once(extra, 'close').then(() => true), new Promise((r) => setTimeout(() => r(false), 2000))]);
  assert.equal(closed, true, 'the fourth socket was closed');
  held[0]?.destroy();
  await new Promise((r) => setTimeout(r, 100));
  const res = await fetch(`${hookd.url}/healthz`);
  assert.equal(res.status, 200, 'a place freed by a closed socket is taken');
  for (const s of held) s.destroy();
});
