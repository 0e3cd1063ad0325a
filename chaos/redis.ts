// A private redis-server for one chaos scenario, with append-only persistence (fsync on
// every write, so a SIGKILL loses nothing Redis acknowledged: what is measured is hookd),
// that can be stopped with SIGTERM or SIGKILL and started again on the same port and data.

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync } from 'node:fs';
import { redisAnswers } from '../src/redis-embedded.ts';
import { freePort } from '../test/helpers/ports.ts';

export interface ChaosRedis {
  readonly url: string;
  stop(signal: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  start(): Promise<void>;
}


export async function startChaosRedis(dir: string): Promise<ChaosRedis> {
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | null = null;
  const start = async (): Promise<void> => {
    child = spawn('redis-server', ['--bind', '127.0.0.1', '--port', String(port), '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', '', '--maxmemory-policy', 'noeviction'], { stdio: 'ignore' });
    for (let i = 0; !(await redisAnswers({ url }, 300)); i++) {
      if (i > 100) throw new Error('redis-server did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  await start();
  return {
    url,
    start,
    async stop(signal) {
      const c = child;
      if (!c || c.exitCode !== null || c.signalCode !== null) return;
      c.kill(signal);
      await once(c, 'exit');
    },
  };
}
