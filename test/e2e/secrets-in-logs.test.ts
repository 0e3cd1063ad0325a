// Nothing secret reaches a log line: not the Redis password (given here through
// REDIS_PASSWORD_FILE), not a command's text (a single-string annotation command is the
// classic `sh -c PGPASSWORD=...`), not a quoted annotation value in a warning.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { startEmbeddedRedis } from '../../src/redis-embedded.ts';
import { redactRedisUrl } from '../../src/redis-url.ts';
import { startHookd } from '../helpers/hookd.ts';
import { startSim } from '../helpers/start-sim.ts';
import { A, createPod, ended, submit } from './velero-support.ts';

const dir = mkdtempSync(join(tmpdir(), 'hookd-secrets-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('a job run with a Redis password and secret-bearing commands leaves no trace of either in the log', async (t) => {
  const redis = await startEmbeddedRedis(join(dir, 'redis'));
  // Stopped after hookd (t.after hooks run in the order they are added).
  const url = new URL(redis.url);
  const password = decodeURIComponent(url.password);
  url.password = '';
  const passwordFile = join(dir, 'redis-password');
  writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });

  const env = await startSim({ lifecycle: { scheduleMs: 5, startMs: 5, readyMs: 5 } }, t);
  const hookd = await startHookd({ kubeconfig: env.sim.kubeconfig, env: { REDIS_URL: url.toString(), REDIS_PASSWORD_FILE: passwordFile }, removeKeys: false });
  t.after(async () => {
    await hookd.stop();
    await redis.stop();
  });

  const ns = 'secrets';
  env.sim.createNamespace(ns);
  const commandSecret = 'PGPASSWORD=hunter2-in-a-command';
  const warningSecret = 'hunter3-in-a-misspelt-key';
  createPod(env.sim, ns, 'db', { manual: false, annotations: { [`${A}command`]: `sh -c ${commandSecret} psql`, [`${A}comand`]: `echo ${warningSecret}` } });
  createPod(env.sim, ns, 'array', { manual: false, annotations: { [`${A}command`]: JSON.stringify(['/bin/sh', '-c', `echo ${commandSecret}`]) } });
  const id = await submit(hookd.url, { pods: [{ namespace: ns, name: 'db' }, { namespace: ns, name: 'array' }] });
  const job = await ended(hookd.url, id);
  assert.equal(job.pods.length, 2);

  const lines = hookd.logs.lines;
  const text = JSON.stringify(lines);
  const started = lines.filter((l) => l.msg === 'hook started');
  assert.equal(started.length, 2, 'both hooks started, and said so');
  assert.deepEqual(started.map((l) => l.executable).sort(), ['sh', 'sh'], 'the executable is named');
  assert.ok(lines.some((l) => l.msg === 'hook configuration warning'), 'the misspelt key was warned about');
  for (const secret of [password, commandSecret, warningSecret]) {
    const leaks = lines.filter((l) => JSON.stringify(l).includes(secret));
    assert.deepEqual(leaks, [], `log lines hold ${secret.slice(0, 8)}…`);
  }
  assert.ok(!text.includes(password));
});

test('a Redis URL is shown without its password, whatever the password holds', () => {
  assert.equal(redactRedisUrl('redis://:p@ss:w@rd@h:6379/0'), 'redis://:***@h:6379/0');
  assert.equal(redactRedisUrl('rediss://user:secret@h'), 'rediss://user:***@h');
  assert.equal(redactRedisUrl('redis://h:6379'), 'redis://h:6379');
  assert.equal(redactRedisUrl('redis://user@h:6379'), 'redis://user@h:6379');
});

test('configuration errors show REDIS_URL without its password', () => {
  assert.throws(
    () => loadConfig({ REDIS_URL: 'http://user:pa55word-xyz@redis:6379' }),
    (err: Error) => !err.message.includes('pa55word-xyz') && /REDIS_URL="http:\/\/user:\*\*\*@redis:6379\/?"/.test(err.message),
  );
  const file = join(dir, 'missing');
  assert.throws(() => loadConfig({ REDIS_PASSWORD_FILE: file }), /REDIS_PASSWORD_FILE=".*missing": cannot be read \(ENOENT\)/);
  assert.throws(() => loadConfig({ REDIS_PASSWORD_FILE: file, REDIS_PASSWORD: 'x' }), /REDIS_PASSWORD_FILE and REDIS_PASSWORD are both set/);
  const tokens = join(dir, 'tokens');
  writeFileSync(tokens, 'token-one-0123456789,token-two-0123456789\n');
  assert.deepEqual(loadConfig({ HOOKD_API_TOKENS_FILE: tokens }).apiTokens, ['token-one-0123456789', 'token-two-0123456789']);
  assert.deepEqual(loadConfig({ REDIS_URL: 'redis://h:6379', REDIS_PASSWORD: 'p w' }).redis, { kind: 'url', url: 'redis://:p%20w@h:6379' });
});
