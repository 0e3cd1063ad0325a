// Reaching Redis through Sentinel or Cluster: exactly one way is configured, every mistake
// is reported with the variable, passwords never appear, and a Cluster prefix must be a
// hash tag. The clients built from it keep the options each use needs.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { hashTagOf, parseHostPorts } from '../../src/redis-endpoint.ts';
import { describeRedisEndpoint, redactRedisNodes } from '../../src/redis-url.ts';
import { clusterOptions, reconnectAfterFailover, sentinelOptions } from '../../src/redis.ts';

const dir = mkdtempSync(join(tmpdir(), 'hookd-redis-ha-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function problems(env: Record<string, string>): readonly string[] {
  try {
    loadConfig(env);
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.problems;
  }
  assert.fail('expected a ConfigError');
}

test('Sentinel: the sentinels, the master name, the data and sentinel passwords', () => {
  const file = join(dir, 'sentinel-password');
  writeFileSync(file, 's3ntinel-pass\n');
  const c = loadConfig({
    REDIS_SENTINELS: ' 10.0.0.1:26379, sentinel-b ,[::1]:26380 ',
    REDIS_SENTINEL_NAME: 'hookd-master',
    REDIS_SENTINEL_PASSWORD_FILE: file,
    REDIS_PASSWORD: 'data-pass',
    REDIS_USERNAME: 'hookd',
  });
  assert.deepEqual(c.redis, {
    kind: 'sentinel',
    sentinels: [
      { host: '10.0.0.1', port: 26379 },
      { host: 'sentinel-b', port: 26379 },
      { host: '::1', port: 26380 },
    ],
    name: 'hookd-master',
    username: 'hookd',
    password: 'data-pass',
    sentinelPassword: 's3ntinel-pass',
  });
  assert.equal(describeRedisEndpoint(c.redis), 'master "hookd-master" through sentinels 10.0.0.1:26379,sentinel-b:26379,[::1]:26380');
});

test('Cluster: the seed nodes and a braced prefix', () => {
  const c = loadConfig({ REDIS_CLUSTER_NODES: 'n1:7000,n2:7001,n3', HOOKD_REDIS_PREFIX: '{hookd}', REDIS_PASSWORD: 'p' });
  assert.deepEqual(c.redis, {
    kind: 'cluster',
    nodes: [
      { host: 'n1', port: 7000 },
      { host: 'n2', port: 7001 },
      { host: 'n3', port: 6379 },
    ],
    username: '',
    password: 'p',
  });
  assert.equal(c.prefix, '{hookd}');
  assert.equal(describeRedisEndpoint(c.redis), 'Redis Cluster at n1:7000,n2:7001,n3:6379');
  // A tag anywhere in the prefix puts every key in its slot.
  assert.equal(loadConfig({ REDIS_CLUSTER_NODES: 'n1:7000', HOOKD_REDIS_PREFIX: 'team-a.{hookd}' }).prefix, 'team-a.{hookd}');
});

test('REDIS_URL stays the default, and REDIS_USERNAME/REDIS_PASSWORD fill a URL that has none', () => {
  assert.deepEqual(loadConfig({}).redis, { kind: 'url', url: 'redis://127.0.0.1:6379' });
  assert.deepEqual(loadConfig({ REDIS_URL: 'redis://h:6379', REDIS_USERNAME: 'u', REDIS_PASSWORD: 'p' }).redis, { kind: 'url', url: 'redis://u:p@h:6379' });
  assert.deepEqual(loadConfig({ REDIS_URL: 'redis://a:b@h:6379', REDIS_USERNAME: 'u', REDIS_PASSWORD: 'p' }).redis, { kind: 'url', url: 'redis://a:b@h:6379' });
  // Blank means unset, as for every variable: a blank REDIS_URL beside the sentinels is no combination.
  assert.equal(loadConfig({ REDIS_URL: ' ', REDIS_SENTINELS: 's:26379', REDIS_SENTINEL_NAME: 'm' }).redis.kind, 'sentinel');
});

test('exactly one way to reach Redis: any two are refused, naming them', () => {
  const both = 'set only one: REDIS_URL (one server), REDIS_SENTINELS (a master found through Sentinel) or REDIS_CLUSTER_NODES (Redis Cluster)';
  assert.deepEqual(problems({ REDIS_URL: 'redis://h', REDIS_SENTINELS: 's:26379', REDIS_SENTINEL_NAME: 'm' }), [`REDIS_URL and REDIS_SENTINELS: ${both}`]);
  assert.deepEqual(problems({ REDIS_URL: 'redis://h', REDIS_CLUSTER_NODES: 'n:7000', HOOKD_REDIS_PREFIX: '{h}' }), [`REDIS_URL and REDIS_CLUSTER_NODES: ${both}`]);
  assert.deepEqual(problems({ REDIS_SENTINELS: 's:26379', REDIS_SENTINEL_NAME: 'm', REDIS_CLUSTER_NODES: 'n:7000' }), [`REDIS_SENTINELS and REDIS_CLUSTER_NODES: ${both}`]);
  const url = join(dir, 'url');
  writeFileSync(url, 'redis://h:6379\n');
  assert.deepEqual(problems({ REDIS_URL_FILE: url, REDIS_CLUSTER_NODES: 'n:7000', HOOKD_REDIS_PREFIX: '{h}' }), [`REDIS_URL and REDIS_CLUSTER_NODES: ${both}`]);
  assert.equal(problems({ REDIS_URL: 'redis://h', REDIS_SENTINELS: 's', REDIS_SENTINEL_NAME: 'm', REDIS_CLUSTER_NODES: 'n' }).length >= 1, true);
  assert.match(problems({ REDIS_URL: 'redis://h', REDIS_SENTINELS: 's', REDIS_SENTINEL_NAME: 'm', REDIS_CLUSTER_NODES: 'n', HOOKD_REDIS_PREFIX: '{h}' })[0] ?? '', /^REDIS_URL and REDIS_SENTINELS and REDIS_CLUSTER_NODES: set only one/);
});

test('Sentinel settings: a name is required, and sentinel-only settings without sentinels are refused', () => {
  assert.deepEqual(problems({ REDIS_SENTINELS: 's:26379' }), [
    'REDIS_SENTINEL_NAME: required with REDIS_SENTINELS: the master group name the sentinels monitor (sentinel monitor NAME host port quorum)',
  ]);
  assert.deepEqual(problems({ REDIS_SENTINELS: 's:26379', REDIS_SENTINEL_NAME: 'two words' }), [
    'REDIS_SENTINEL_NAME="two words": expected one word of at most 128 characters, as sentinel.conf names a master',
  ]);
  assert.deepEqual(problems({ REDIS_SENTINEL_NAME: 'm', REDIS_SENTINEL_PASSWORD: 'secret-xyz' }), [
    'REDIS_SENTINEL_NAME: applies only with REDIS_SENTINELS, which is not set',
    'REDIS_SENTINEL_PASSWORD: applies only with REDIS_SENTINELS, which is not set',
  ]);
});

test('a Cluster prefix without a hash tag is refused: every key must share one slot', () => {
  for (const prefix of ['hookd', '{}hookd', 'hookd}{', '{hookd']) {
    const p = problems({ REDIS_CLUSTER_NODES: 'n:7000', HOOKD_REDIS_PREFIX: prefix });
    assert.deepEqual(
      p,
      [
        `HOOKD_REDIS_PREFIX=${JSON.stringify(prefix)}: on Redis Cluster (REDIS_CLUSTER_NODES) the prefix must hold a hash tag, such as {hookd}, so that every key of hookd and of its queues lives in one slot`,
      ],
      prefix,
    );
  }
  // The default prefix is not a tag: a cluster without HOOKD_REDIS_PREFIX is refused too.
  assert.equal(problems({ REDIS_CLUSTER_NODES: 'n:7000' }).length, 1);
  // Elsewhere any prefix goes.
  assert.equal(loadConfig({ REDIS_SENTINELS: 's', REDIS_SENTINEL_NAME: 'm' }).prefix, 'hookd');
});

test('node lists: host:port entries only, and what is wrong is said without echoing credentials', () => {
  const p = problems({ REDIS_CLUSTER_NODES: 'redis://admin:pa55word-xyz@n1:7000,n2:7001', HOOKD_REDIS_PREFIX: '{h}' });
  assert.equal(p.length, 1, p.join('\n'));
  assert.ok(!p[0]?.includes('pa55word-xyz'), p[0]);
  assert.equal(
    p[0],
    'REDIS_CLUSTER_NODES="redis://***@n1:7000,n2:7001": entry 1 is not host:port (no scheme, user or password here: REDIS_PASSWORD holds the password); expected comma-separated host:port of Redis Cluster nodes (default port 6379)',
  );
  const s = problems({ REDIS_SENTINELS: 'user:secret-abc@s1:26379', REDIS_SENTINEL_NAME: 'm' });
  assert.ok(!s.join('\n').includes('secret-abc'), s.join('\n'));
  assert.match(s[0] ?? '', /^REDIS_SENTINELS="\*\*\*@s1:26379": entry 1 is not host:port/);
  assert.match(problems({ REDIS_SENTINELS: 's1:99999', REDIS_SENTINEL_NAME: 'm' })[0] ?? '', /entry 1 has port 99999; expected 1 to 65535/);
  assert.match(problems({ REDIS_SENTINELS: ' , ', REDIS_SENTINEL_NAME: 'm' })[0] ?? '', /REDIS_SENTINELS=",": holds no host:port/);
  assert.match(problems({ REDIS_CLUSTER_NODES: 'a:1,A:1', HOOKD_REDIS_PREFIX: '{h}' })[0] ?? '', /entry 2 repeats A:1/);
  // A sentinel password is never shown, even when it is what is wrong.
  const f = join(dir, 'missing-sentinel-password');
  assert.match(problems({ REDIS_SENTINELS: 's', REDIS_SENTINEL_NAME: 'm', REDIS_SENTINEL_PASSWORD_FILE: f })[0] ?? '', /REDIS_SENTINEL_PASSWORD_FILE=".*": cannot be read \(ENOENT\)/);
});

test('parsing and redaction helpers', () => {
  assert.deepEqual(parseHostPorts('h', 1), { nodes: [{ host: 'h', port: 1 }] });
  assert.deepEqual(parseHostPorts('[fe80::1]:7,h.example.com:8', 1), {
    nodes: [
      { host: 'fe80::1', port: 7 },
      { host: 'h.example.com', port: 8 },
    ],
  });
  for (const bad of ['h:', 'h:x', 'h h', '::1:7', 'h:1:2']) assert.ok('error' in parseHostPorts(bad, 1), bad);
  assert.equal(hashTagOf('{hookd}'), 'hookd');
  assert.equal(hashTagOf('a{b}c{d}'), 'b');
  assert.equal(hashTagOf('{}{x}'), null);
  assert.equal(redactRedisNodes('a:1, u:p@b:2,redis://:x@c:3'), 'a:1, ***@b:2,redis://***@c:3');
  assert.equal(redactRedisNodes('a:1,b:2'), 'a:1,b:2');
});

test('client options: BullMQ connections never give up, failovers reconnect, TLS when a CA is given', () => {
  const sentinel = { kind: 'sentinel', sentinels: [{ host: 's', port: 26379 }], name: 'm', username: '', password: 'p', sentinelPassword: 'sp' } as const;
  const blocking = sentinelOptions(sentinel, 'blocking', undefined);
  assert.equal(blocking.maxRetriesPerRequest, null);
  assert.equal(blocking.password, 'p');
  assert.equal(blocking.sentinelPassword, 'sp');
  assert.equal(blocking.username, undefined);
  assert.equal(blocking.failoverDetector, true);
  assert.equal(blocking.tls, undefined);
  const command = sentinelOptions(sentinel, 'command', 'PEM');
  assert.equal(command.enableOfflineQueue, false);
  assert.deepEqual(command.tls, { ca: 'PEM' });
  assert.deepEqual(command.sentinelTLS, { ca: 'PEM' });
  assert.equal(command.enableTLSForSentinelMode, true);
  assert.equal(reconnectAfterFailover(new Error("READONLY You can't write against a read only replica.")), 2);
  assert.equal(reconnectAfterFailover(new Error('NOREPLICAS Not enough good replicas to write.')), 2);
  assert.equal(reconnectAfterFailover(new Error('ERR wrong number of arguments')), false);

  const cluster = { kind: 'cluster', nodes: [{ host: 'n', port: 7000 }], username: 'u', password: 'p' } as const;
  const cb = clusterOptions(cluster, 'blocking', undefined);
  // BullMQ reads maxRetriesPerRequest from a Cluster's redisOptions, and refuses anything but null.
  assert.equal(cb.redisOptions?.maxRetriesPerRequest, null);
  assert.equal(cb.enableOfflineQueue, true);
  assert.equal(cb.redisOptions?.username, 'u');
  assert.equal(cb.redisOptions?.password, 'p');
  const cc = clusterOptions(cluster, 'command', 'PEM');
  assert.equal(cc.enableOfflineQueue, false);
  assert.equal(cc.redisOptions?.maxRetriesPerRequest, 2);
  assert.deepEqual(cc.redisOptions?.tls, { ca: 'PEM' });
  assert.equal(clusterOptions(cluster, 'durable', undefined).redisOptions?.maxRetriesPerRequest, null);
});
