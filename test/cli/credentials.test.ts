// Which token kubectl hookd sends: --token, HOOKD_TOKEN, or with HOOKD_AUTH=kubernetes the
// current kubeconfig context's, found as kubectl finds it (files, merge order, --context,
// token, tokenFile, an exec credential plugin).

import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CredentialsError, kubeconfigFiles, kubeconfigToken, resolveToken } from '../../src/cli/credentials.ts';

const dir = mkdtempSync(join(tmpdir(), 'hookd-cli-creds-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function kubeconfig(name: string, o: { current: string; contexts: [string, string][]; users: [string, Record<string, unknown>][] }): string {
  const path = join(dir, name);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(
    path,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': o.current,
      clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:6443' } }],
      contexts: o.contexts.map(([ctx, user]) => ({ name: ctx, context: { cluster: 'c', user } })),
      users: o.users.map(([user, fields]) => ({ name: user, user: fields })),
    }),
  );
  return path;
}

const main = kubeconfig('main/config', {
  current: 'alice',
  contexts: [['alice', 'alice'], ['bob', 'bob'], ['certs', 'certs'], ['ghost', 'nobody']],
  users: [
    ['alice', { token: 'alice-token' }],
    ['bob', { tokenFile: 'bob.token' }],
    ['certs', { 'client-certificate-data': 'AAAA', 'client-key-data': 'AAAA' }],
  ],
});
writeFileSync(join(dir, 'main', 'bob.token'), 'bob-token\n');
const second = kubeconfig('second/config', {
  current: 'carol',
  contexts: [['carol', 'carol'], ['alice', 'bob']],
  users: [['carol', { token: 'carol-token' }], ['alice', { token: 'not-alice' }]],
});

const reject = (p: Promise<unknown>, message: RegExp) => assert.rejects(p, (e: unknown) => e instanceof CredentialsError && message.test(e.message));

describe('the kubeconfig token', () => {
  it("the current context's user token; --context picks another", async () => {
    assert.equal(await kubeconfigToken([main], null), 'alice-token');
    assert.equal(await kubeconfigToken([main], 'bob'), 'bob-token', 'tokenFile, relative to its kubeconfig, trimmed');
  });

  it("KUBECONFIG's files merge as kubectl merges them: the first current-context and the first of each name win", async () => {
    const files = kubeconfigFiles(null, { KUBECONFIG: [join(dir, 'missing'), main, second].join(delimiter) });
    assert.deepEqual(files, [main, second], 'a missing file of the list is skipped');
    assert.equal(await kubeconfigToken(files, null), 'alice-token');
    assert.equal(await kubeconfigToken(files, 'carol'), 'carol-token');
    assert.equal(await kubeconfigToken([second, main], null), 'carol-token');
    assert.equal(await kubeconfigToken([second, main], 'alice'), 'bob-token', "the second file's alice context wins there, and names bob");
  });

  it('--kubeconfig, then KUBECONFIG, then ~/.kube/config', () => {
    const home = join(dir, 'home');
    mkdirSync(join(home, '.kube'), { recursive: true });
    writeFileSync(join(home, '.kube', 'config'), '{}');
    assert.deepEqual(kubeconfigFiles(main, { KUBECONFIG: second, HOME: home }), [main]);
    assert.deepEqual(kubeconfigFiles(null, { KUBECONFIG: second, HOME: home }), [second]);
    assert.deepEqual(kubeconfigFiles(null, { HOME: home }), [join(home, '.kube', 'config')]);
    assert.throws(() => kubeconfigFiles(join(dir, 'nope'), {}), /--kubeconfig .*nope: no such file/);
    assert.throws(() => kubeconfigFiles(null, { KUBECONFIG: join(dir, 'nope') }), /KUBECONFIG names .* none of them exists/);
    assert.throws(() => kubeconfigFiles(null, { HOME: join(dir, 'empty-home') }), /no kubeconfig: set KUBECONFIG or pass --kubeconfig/);
  });

  it('an exec credential plugin gives the token, as kubectl would run it', async () => {
    const plugin = join(dir, 'credential-plugin.sh');
    writeFileSync(plugin, '#!/bin/sh\necho \'{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"exec-token"}}\'\n');
    chmodSync(plugin, 0o755);
    const file = kubeconfig('exec/config', {
      current: 'x',
      contexts: [['x', 'x']],
      users: [['x', { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: plugin, interactiveMode: 'Never' } }]],
    });
    assert.equal(await kubeconfigToken([file], null), 'exec-token');
  });

  it('says what is missing: a context, a user, a token (client certificates are not passed on)', async () => {
    await reject(kubeconfigToken([main], 'prod'), /context "prod" is not in the kubeconfig/);
    await reject(kubeconfigToken([main], 'ghost'), /context "ghost" names no user/);
    await reject(kubeconfigToken([main], 'certs'), /user "certs" of context "certs" has no bearer token \(client certificates and passwords cannot be passed on to hookd\): pass --token/);
    const broken = join(dir, 'broken');
    writeFileSync(broken, 'users: [');
    await reject(kubeconfigToken([broken], null), /cannot read the kubeconfig .*broken/);
  });
});

describe('resolveToken', () => {
  const base = { token: null, auth: null, kubeconfig: main, context: null };
  it('--token, then HOOKD_TOKEN, then the kubeconfig with HOOKD_AUTH=kubernetes (or --auth kubernetes)', async () => {
    assert.equal(await resolveToken({ ...base, token: 'flag', env: { HOOKD_TOKEN: 'env', HOOKD_AUTH: 'kubernetes' } }), 'flag');
    assert.equal(await resolveToken({ ...base, env: { HOOKD_TOKEN: 'env', HOOKD_AUTH: 'kubernetes' } }), 'env');
    assert.equal(await resolveToken({ ...base, env: { HOOKD_AUTH: 'kubernetes' } }), 'alice-token');
    assert.equal(await resolveToken({ ...base, auth: 'kubernetes', context: 'bob', env: {} }), 'bob-token');
  });

  it('a cluster credential is never sent unless asked for', async () => {
    assert.equal(await resolveToken({ ...base, env: {} }), null);
    assert.equal(await resolveToken({ ...base, env: { HOOKD_AUTH: 'tokens' } }), null);
    assert.equal(await resolveToken({ ...base, auth: 'none', env: { HOOKD_AUTH: 'kubernetes' } }), null, '--auth wins over HOOKD_AUTH');
  });
});
