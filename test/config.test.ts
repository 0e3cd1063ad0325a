// Configuration: defaults, every kind of mistake reported together with variable and value.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, isLoopbackHost, loadConfig } from '../src/config.ts';

function problems(env: Record<string, string>): readonly string[] {
  try {
    loadConfig(env);
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.problems;
  }
  assert.fail('expected a ConfigError');
}

test('defaults: api and worker in one process on loopback, the simulated cluster when nothing is configured', () => {
  const c = loadConfig({});
  assert.equal(c.role, 'all');
  assert.equal(c.host, '127.0.0.1');
  assert.equal(c.port, 8080);
  assert.deepEqual(c.redis, { kind: 'url', url: 'redis://127.0.0.1:6379' });
  assert.equal(c.prefix, 'hookd');
  assert.equal(c.kube, 'auto');
  assert.equal(c.maxPodsPerJob, 10_000);
  assert.equal(c.maxOutputBytes, 64 * 1024);
  assert.equal(c.maxWaitMs, 3_600_000);
  assert.equal(c.retentionMs, 7 * 24 * 3_600_000);
  assert.deepEqual(c.apiTokens, []);
  assert.ok(Object.isFrozen(c));
});

test('values are parsed: numbers, Go durations, token lists; blank means default', () => {
  const c = loadConfig({
    HOOKD_PORT: '0',
    HOOKD_ROLE: 'worker',
    HOOKD_MAX_WAIT: '1h30m',
    HOOKD_RESULT_RETENTION: '36h',
    HOOKD_API_TOKENS: ' aaaaaaaaaaaaaaaa , bbbbbbbbbbbbbbbb ',
    HOOKD_EXEC_CONCURRENCY: ' 7 ',
    HOOKD_REDIS_PREFIX: '{hookd}',
    HOOKD_LOG_LEVEL: '',
  });
  assert.equal(c.port, 0);
  assert.equal(c.role, 'worker');
  assert.equal(c.maxWaitMs, 5_400_000);
  assert.equal(c.retentionMs, 36 * 3_600_000);
  assert.deepEqual(c.apiTokens, ['aaaaaaaaaaaaaaaa', 'bbbbbbbbbbbbbbbb']);
  assert.equal(c.execConcurrency, 7);
  assert.equal(c.prefix, '{hookd}');
  assert.equal(c.logLevel, 'info');
});

test('every mistake is reported at once, each naming the variable, the value and what was expected', () => {
  const p = problems({
    HOOKD_PORT: '80a',
    HOOKD_ROLE: 'both',
    REDIS_URL: 'http://x',
    HOOKD_MAX_WAIT: '5 minutes',
    HOOKD_REDIS_PREFIX: 'a:b',
    HOOKD_POD_CONCURRENCY: '0',
    HOOKD_SHUTDOWN_TIMEOUT: '1ms',
  });
  assert.equal(p.length, 7, p.join('\n'));
  assert.ok(p.includes('HOOKD_PORT="80a": expected a whole number from 0 to 65535'), p.join('\n'));
  assert.ok(p.includes('HOOKD_ROLE="both": expected one of api, worker, all'));
  assert.ok(p.includes('REDIS_URL="http://x": expected a redis:// or rediss:// URL'));
  assert.ok(p.some((l) => l.startsWith('HOOKD_MAX_WAIT="5 minutes": expected a duration')));
  assert.ok(p.some((l) => l.startsWith('HOOKD_REDIS_PREFIX="a:b"')));
  assert.ok(p.includes('HOOKD_POD_CONCURRENCY="0": expected a whole number from 1 to 100000'));
  assert.ok(p.some((l) => l.startsWith('HOOKD_SHUTDOWN_TIMEOUT="1ms": expected a duration of at least 100 ms')));
});

test('a short API token is refused without echoing it', () => {
  const p = problems({ HOOKD_API_TOKENS: 'secret' });
  assert.deepEqual(p, ['HOOKD_API_TOKENS: every token must be at least 16 characters']);
});

test('loopback hosts', () => {
  for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', '::1']) assert.equal(isLoopbackHost(h), true, h);
  for (const h of ['0.0.0.0', '10.0.0.1', 'example.com', '::']) assert.equal(isLoopbackHost(h), false, h);
});
