// HOOKD_KUBE resolution and kubeconfig loading, on temporary files.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { KubeError } from '../../src/kube/errors.ts';
import { loadKubeConfig, resolveKubeSource } from '../../src/kube/kubeconfig.ts';

const root = mkdtempSync(join(tmpdir(), 'hookd-kubeconfig-'));
after(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
function dir(): string {
  const d = join(root, String(n++));
  mkdirSync(d, { recursive: true });
  return d;
}

function kubeconfig(opts: { server?: string; context?: string | null; skipTls?: boolean; name?: string } = {}): string {
  const name = opts.name ?? 'c1';
  const server = opts.server ?? 'https://127.0.0.1:6443';
  const current = opts.context === null ? '' : `current-context: ${opts.context ?? name}\n`;
  return `apiVersion: v1
kind: Config
clusters:
- name: ${name}
  cluster:
    server: ${server}
${opts.skipTls === true ? '    insecure-skip-tls-verify: true\n' : ''}users:
- name: ${name}
  user:
    token: secret-token-value
contexts:
- name: ${name}
  context:
    cluster: ${name}
    user: ${name}
${current}`;
}

function home(withConfig: boolean): string {
  const h = dir();
  if (withConfig) {
    mkdirSync(join(h, '.kube'));
    writeFileSync(join(h, '.kube', 'config'), kubeconfig());
  }
  return h;
}

function serviceAccount(withToken: boolean): string {
  const d = dir();
  if (withToken) writeFileSync(join(d, 'token'), 'sa-token');
  return d;
}

describe('resolveKubeSource', () => {
  const sa = serviceAccount(true);
  const noSa = serviceAccount(false);

  test('auto: in-cluster when KUBERNETES_SERVICE_HOST and the token exist, even with a kubeconfig around', () => {
    const h = home(true);
    assert.deepEqual(resolveKubeSource('auto', { KUBERNETES_SERVICE_HOST: '10.0.0.1', HOME: h }, sa), { kind: 'in-cluster' });
  });

  test('auto: host without token is not in-cluster', () => {
    const h = home(true);
    assert.deepEqual(resolveKubeSource('auto', { KUBERNETES_SERVICE_HOST: '10.0.0.1', HOME: h }, noSa), {
      kind: 'kubeconfig',
      path: join(h, '.kube', 'config'),
    });
  });

  test('auto: KUBECONFIG wins over ~/.kube/config', () => {
    const h = home(true);
    const file = join(dir(), 'cfg');
    writeFileSync(file, kubeconfig());
    assert.deepEqual(resolveKubeSource('auto', { KUBECONFIG: file, HOME: h }, noSa), { kind: 'kubeconfig', path: file });
  });

  test('auto: KUBECONFIG list keeps the files that exist', () => {
    const a = join(dir(), 'a');
    const b = join(dir(), 'b');
    writeFileSync(a, kubeconfig());
    writeFileSync(b, kubeconfig({ name: 'c2' }));
    const missing = join(root, 'missing');
    const got = resolveKubeSource('auto', { KUBECONFIG: [a, missing, b].join(delimiter) }, noSa);
    assert.deepEqual(got, { kind: 'kubeconfig', path: [a, b].join(delimiter) });
  });

  test('auto: KUBECONFIG naming only missing files fails loudly instead of falling back to the sim', () => {
    assert.throws(
      () => resolveKubeSource('auto', { KUBECONFIG: join(root, 'nope'), HOME: home(false) }, noSa),
      (err: unknown) => err instanceof KubeError && /KUBECONFIG names .*nope.*no such file/.test(err.message),
    );
  });

  test('auto: nothing configured -> sim', () => {
    assert.deepEqual(resolveKubeSource('auto', { HOME: home(false) }, noSa), { kind: 'sim' });
    assert.deepEqual(resolveKubeSource('auto', {}, noSa), { kind: 'sim' });
    assert.deepEqual(resolveKubeSource('auto', { KUBECONFIG: '' , HOME: home(false) }, noSa), { kind: 'sim' });
  });

  test('sim is sim whatever the environment', () => {
    assert.deepEqual(resolveKubeSource('sim', { KUBERNETES_SERVICE_HOST: 'x', HOME: home(true) }, sa), { kind: 'sim' });
  });

  test('kubeconfig: missing everywhere is an error, never the sim', () => {
    assert.throws(() => resolveKubeSource('kubeconfig', { HOME: home(false) }, noSa), /HOOKD_KUBE=kubeconfig/);
    const h = home(true);
    assert.deepEqual(resolveKubeSource('kubeconfig', { HOME: h }, noSa), { kind: 'kubeconfig', path: join(h, '.kube', 'config') });
  });

  test('in-cluster: needs both host and token', () => {
    assert.deepEqual(resolveKubeSource('in-cluster', { KUBERNETES_SERVICE_HOST: '10.0.0.1' }, sa), { kind: 'in-cluster' });
    assert.throws(() => resolveKubeSource('in-cluster', {}, sa), /KUBERNETES_SERVICE_HOST is not set/);
    assert.throws(() => resolveKubeSource('in-cluster', { KUBERNETES_SERVICE_HOST: '10.0.0.1' }, noSa), /token does not exist/);
  });
});

describe('loadKubeConfig', () => {
  test('loads the current cluster and returns its server', () => {
    const { kc, server } = loadKubeConfig({ kind: 'kubeconfig-text', text: kubeconfig({ server: 'https://10.1.2.3:6443' }) });
    assert.equal(server, 'https://10.1.2.3:6443');
    assert.equal(kc.getCurrentUser()?.token, 'secret-token-value');
  });

  test('no current-context fails loudly (no localhost:8080 fallback)', () => {
    assert.throws(
      () => loadKubeConfig({ kind: 'kubeconfig-text', text: kubeconfig({ context: null }) }),
      (err: unknown) => err instanceof KubeError && /no current-context/.test(err.message),
    );
  });

  test('a current-context that names nothing fails', () => {
    assert.throws(() => loadKubeConfig({ kind: 'kubeconfig-text', text: kubeconfig({ context: 'other' }) }), /"other" is not among its contexts/);
  });

  test('plain http without insecure-skip-tls-verify is refused up front; with it, accepted', () => {
    assert.throws(() => loadKubeConfig({ kind: 'kubeconfig-text', text: kubeconfig({ server: 'http://127.0.0.1:1' }) }), /plain http/);
    const ok = loadKubeConfig({ kind: 'kubeconfig-text', text: kubeconfig({ server: 'http://127.0.0.1:1', skipTls: true }) });
    assert.equal(ok.server, 'http://127.0.0.1:1');
  });

  test('a broken file names the file but never quotes its contents', () => {
    const file = join(dir(), 'broken');
    writeFileSync(file, 'clusters: [\n  token: super-secret-value\n  - : :\n');
    assert.throws(
      () => loadKubeConfig({ kind: 'kubeconfig', path: file }),
      (err: unknown) => err instanceof KubeError && err.message.includes(file) && !err.message.includes('super-secret-value'),
    );
  });

  test('a KUBECONFIG list is merged; the first current-context wins', () => {
    const a = join(dir(), 'a');
    const b = join(dir(), 'b');
    writeFileSync(a, kubeconfig({ name: 'first', server: 'https://first:6443' }));
    writeFileSync(b, kubeconfig({ name: 'second', server: 'https://second:6443' }));
    const { kc, server } = loadKubeConfig({ kind: 'kubeconfig', path: [a, b].join(delimiter) });
    assert.equal(server, 'https://first:6443');
    assert.equal(kc.getContexts().length, 2);
  });

  test('in-cluster without the service environment fails loudly', () => {
    const saved = process.env['KUBERNETES_SERVICE_HOST'];
    delete process.env['KUBERNETES_SERVICE_HOST'];
    try {
      assert.throws(() => loadKubeConfig({ kind: 'in-cluster' }), /KUBERNETES_SERVICE_HOST/);
    } finally {
      if (saved !== undefined) process.env['KUBERNETES_SERVICE_HOST'] = saved;
    }
  });
});
