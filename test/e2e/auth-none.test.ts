// HOOKD_AUTH=none (also the default when nothing else is set) is allowed only on a loopback
// address in front of the simulated cluster: anywhere else hookd refuses to start with exit
// code 2 and says which variable to set. Run as the real program (src/main.ts).

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { TEST_REDIS_URL, testPrefix } from '../helpers/redis.ts';

const dir = mkdtempSync(join(tmpdir(), 'hookd-auth-none-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function run(env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: {
        PATH: process.env['PATH'] ?? '',
        HOME: dir,
        REDIS_URL: TEST_REDIS_URL,
        HOOKD_REDIS_EMBEDDED: 'never',
        HOOKD_REDIS_PREFIX: testPrefix(),
        HOOKD_PORT: '0',
        HOOKD_AUDIT_LOG: join(dir, 'audit.log'),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (out += c.toString('utf8')));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`hookd did not exit: ${out}`));
    }, 60_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

describe('HOOKD_AUTH=none', () => {
  it('refuses a non-loopback address (exit 2), naming the variables to set', async () => {
    const r = await run({ HOOKD_HOST: '0.0.0.0', HOOKD_KUBE: 'sim', HOOKD_SIM_KUBECONFIG: join(dir, 'sim.kubeconfig') });
    assert.equal(r.code, 2, r.out);
    assert.match(r.out, /no HOOKD_AUTH is set, so it would be none, but HOOKD_HOST=0\.0\.0\.0 is not a loopback address: set HOOKD_AUTH=kubernetes/);
  });

  it('refuses a cluster that is not the simulated one (exit 2), even on loopback', async () => {
    // An API server that is not the sim: its /version says so.
    const api = createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(req.url === '/version' ? { major: '1', minor: '34', gitVersion: 'v1.34.2' } : {}));
    });
    await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
    after(() => api.close());
    const kubeconfig = join(dir, 'real.kubeconfig');
    writeFileSync(
      kubeconfig,
      `apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: http://127.0.0.1:${(api.address() as AddressInfo).port}\n    insecure-skip-tls-verify: true\ncontexts:\n- name: c\n  context:\n    cluster: c\n    user: u\ncurrent-context: c\nusers:\n- name: u\n  user:\n    token: t\n`,
    );
    const r = await run({ HOOKD_AUTH: 'none', HOOKD_KUBE: 'kubeconfig', KUBECONFIG: kubeconfig });
    assert.equal(r.code, 2, r.out);
    assert.match(r.out, /HOOKD_AUTH=none, but the Kubernetes API at http:\/\/127\.0\.0\.1:\d+ is not the simulated cluster: set HOOKD_AUTH=kubernetes/);
  });
});
