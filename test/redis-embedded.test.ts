// The quick start's private redis-server keeps jobs (commands, output) where only this
// user can read them, and answers no client that lacks its password.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Redis } from 'ioredis';
import { startEmbeddedRedis } from '../src/redis-embedded.ts';
import { redactRedisUrl } from '../src/redis-url.ts';

function modes(dir: string, out: Array<{ path: string; mode: number; dir: boolean }> = []) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    out.push({ path, mode: statSync(path).mode & 0o777, dir: e.isDirectory() });
    if (e.isDirectory()) modes(path, out);
  }
  return out;
}

test('files 0600 in folders 0700, and a password', async (t) => {
  const parent = mkdtempSync(join(tmpdir(), 'hookd-embedded-'));
  t.after(() => rmSync(parent, { recursive: true, force: true }));
  const dataDir = join(parent, 'data');
  const redis = await startEmbeddedRedis(dataDir);
  t.after(() => redis.stop());

  const client = new Redis(redis.url);
  await client.set('k', 'a command with a secret');
  await client.call('BGREWRITEAOF');
  await new Promise((r) => setTimeout(r, 500));
  await client.quit();

  assert.equal(statSync(dataDir).mode & 0o777, 0o700);
  const entries = modes(dataDir);
  assert.ok(entries.some((e) => !e.dir && /\.aof|appendonly/.test(e.path)), `an append-only file exists: ${entries.map((e) => e.path).join(', ')}`);
  for (const e of entries) assert.equal(e.mode, e.dir ? 0o700 : 0o600, `${e.path} is ${e.mode.toString(8)}`);

  // Another local user's client, with no password: asked in plain RESP over a socket.
  const socket = connect(Number(new URL(redis.url).port), '127.0.0.1');
  socket.write('GET k\r\n');
  const [reply] = (await once(socket, 'data')) as [Buffer];
  socket.destroy();
  assert.match(reply.toString('utf8'), /^-NOAUTH/);
  assert.ok(!redactRedisUrl(redis.url).includes(new URL(redis.url).password));
});
