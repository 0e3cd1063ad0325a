// hookd on a Redis reached over TLS (rediss://, its certificate checked against
// REDIS_TLS_CA_FILE) as an ACL user whose keys are limited to hookd's prefix: a job runs
// end to end, so every key hookd and BullMQ touch lives under the prefix.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Redis } from 'ioredis';
import { redisAnswers } from '../../src/redis-embedded.ts';
import { selfSignedCertificate } from '@hookd/kube-sim';
import { startHookd, waitForJobEnd, api } from '../helpers/hookd.ts';
import { testPrefix } from '../helpers/redis.ts';
import { startSim } from '../helpers/start-sim.ts';
import { freePort } from '../helpers/ports.ts';

const dir = mkdtempSync(join(tmpdir(), 'hookd-redis-tls-'));
after(() => rmSync(dir, { recursive: true, force: true }));


test('a job runs through rediss:// as an ACL user limited to its prefix', async (t) => {
  const { certPem, keyPem } = selfSignedCertificate({ commonName: 'redis-test' });
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  writeFileSync(cert, certPem);
  writeFileSync(key, keyPem, { mode: 0o600 });
  const port = await freePort();
  const prefix = testPrefix();
  const aclFile = join(dir, 'users.acl');
  writeFileSync(aclFile, `user default off\nuser hookd on >acl-pass-0123456789 ~${prefix}:* &* +@all\nuser admin on >admin-pass-0123456789 ~* &* +@all\n`);
  const server = spawn(
    'redis-server',
    ['--port', '0', '--tls-port', String(port), '--bind', '127.0.0.1', '--tls-cert-file', cert, '--tls-key-file', key, '--tls-ca-cert-file', cert, '--tls-auth-clients', 'no', '--save', '', '--appendonly', 'no', '--aclfile', aclFile],
    { stdio: 'ignore' },
  );
  const stopServer = async (): Promise<void> => {
    if (server.exitCode !== null) return;
    server.kill('SIGTERM');
    await once(server, 'exit');
  };
  const adminUrl = `rediss://admin:admin-pass-0123456789@127.0.0.1:${port}`;
  // A fresh probe per try: a client whose first connect failed keeps reconnecting on its own.
  for (let i = 0; !(await redisAnswers({ url: adminUrl, tlsCa: certPem }, 1000)); i++) {
    assert.ok(i < 150, 'redis-server with TLS did not start within 15 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  const admin = new Redis(adminUrl, { tls: { ca: certPem }, maxRetriesPerRequest: 1 });
  admin.on('error', () => undefined);

  const env = await startSim({ lifecycle: { scheduleMs: 5, startMs: 5, readyMs: 5 } }, t);
  const hookd = await startHookd({
    kubeconfig: env.sim.kubeconfig,
    prefix,
    removeKeys: false,
    env: { REDIS_URL: `rediss://hookd:acl-pass-0123456789@127.0.0.1:${port}`, REDIS_TLS_CA_FILE: cert },
  });
  // One cleanup, in order: clients before the server they talk to.
  t.after(async () => {
    await hookd.stop();
    admin.disconnect();
    await stopServer();
  });

  env.sim.createNamespace('tls');
  env.sim.createPod('tls', {
    metadata: { name: 'p', annotations: { 'post.hook.restore.velero.io/command': '["/bin/sh", "-c", "echo over tls"]' } },
    spec: { containers: [{ name: 'c', image: 'x' }] },
  });
  const post = await api<{ id: string }>(hookd.url, 'POST', '/v1/jobs', { pods: [{ namespace: 'tls', name: 'p' }] });
  assert.equal(post.status, 202);
  const job = await waitForJobEnd<{ status: string; pods: Array<{ hooks: Array<{ stdout: string }> }> }>(hookd.url, post.body.id);
  assert.equal(job.status, 'completed');
  assert.equal(job.pods[0]?.hooks[0]?.stdout, 'over tls\n');
  const keys = await admin.keys('*');
  assert.ok(keys.length > 0);
  assert.deepEqual(keys.filter((k) => !k.startsWith(`${prefix}:`)), [], 'every key is under the prefix');
});

test('rediss:// with a certificate no CA vouches for is refused, not replaced by a private Redis', async (t) => {
  const { certPem, keyPem } = selfSignedCertificate({ commonName: 'untrusted' });
  const cert = join(dir, 'untrusted.pem');
  const key = join(dir, 'untrusted-key.pem');
  writeFileSync(cert, certPem);
  writeFileSync(key, keyPem, { mode: 0o600 });
  const port = await freePort();
  const server = spawn('redis-server', ['--port', '0', '--tls-port', String(port), '--bind', '127.0.0.1', '--tls-cert-file', cert, '--tls-key-file', key, '--tls-auth-clients', 'no', '--save', ''], { stdio: 'ignore' });
  t.after(async () => {
    if (server.exitCode !== null) return;
    server.kill('SIGTERM');
    await once(server, 'exit');
  });
  await new Promise((r) => setTimeout(r, 500));
  const env = await startSim({}, t);
  await assert.rejects(
    startHookd({ kubeconfig: env.sim.kubeconfig, env: { REDIS_URL: `rediss://127.0.0.1:${port}`, HOOKD_REDIS_EMBEDDED: 'auto' } }),
    /no Redis answers at rediss:\/\/127\.0\.0\.1/,
  );
});
