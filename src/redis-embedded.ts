// For the quick start only: when no Redis answers at REDIS_URL and `redis-server` is on the
// PATH, hookd starts a private one on a free loopback port and stops it on exit. It keeps
// an append-only file in HOOKD_REDIS_DATA_DIR, so a restart of hookd loses no job.
// Jobs hold commands and their output, so the server is private to this user: its folder
// is 0700 and its files 0600 (umask 077), and it asks for a random password, kept in its
// config file (0600) rather than on a command line every local user can read with ps.

import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { tlsOptions, type RedisTarget } from './redis.ts';

export interface EmbeddedRedis {
  readonly url: string;
  stop(): Promise<void>;
}

/** True when a Redis server answers PING at `url` within `timeoutMs`. */
export async function redisAnswers(target: RedisTarget, timeoutMs = 1500): Promise<boolean> {
  const probe = new Redis(target.url, { ...tlsOptions(target), lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, connectTimeout: timeoutMs, retryStrategy: () => null });
  probe.on('error', () => {});
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => res(port));
    });
  });
}

/** Folders 0700 and files 0600 under dir, dir included: files an earlier version left open too. */
function makePrivate(dir: string): void {
  chmodSync(dir, 0o700);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) makePrivate(path);
    else if (entry.isFile()) chmodSync(path, 0o600);
  }
}

/** A redis.conf string value, quoted as the config parser reads it. */
const confString = (s: string): string => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

export async function startEmbeddedRedis(dataDir: string): Promise<EmbeddedRedis> {
  const dir = resolve(dataDir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  makePrivate(dir);
  const port = await freePort();
  const password = randomBytes(24).toString('hex');
  const confPath = join(dir, 'redis.conf');
  writeFileSync(
    confPath,
    [
      'bind 127.0.0.1',
      `port ${port}`,
      `dir ${confString(dir)}`,
      'appendonly yes',
      'save ""',
      'maxmemory-policy noeviction',
      'protected-mode yes',
      `requirepass ${password}`,
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  // umask 077 for what redis-server creates (the append-only files); exec keeps its pid ours.
  const child: ChildProcess = spawn('/bin/sh', ['-c', 'umask 077 && exec redis-server "$0"', confPath], { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise<void>((res) => child.once('exit', () => res()));
  const spawnError = new Promise<never>((_, rej) => child.once('error', (err) => rej(new Error(`could not start redis-server: ${err.message}`))));
  const url = `redis://:${password}@127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (await Promise.race([redisAnswers({ url }, 300), spawnError])) break;
    if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error('redis-server did not answer within 10 s');
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}
