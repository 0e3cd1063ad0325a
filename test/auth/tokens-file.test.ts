// HOOKD_TOKENS_FILE: what a valid file holds, the errors that name the entry and field,
// digests instead of tokens, and the reload when the file changes (a broken file keeps the
// previous tokens in force).

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseTokens, tokenTable, TokensFileError, watchTokensFile } from '../../src/auth/tokens-file.ts';

const ALICE = 'alice-token-0123456789';
const BOB = 'bob-token-0123456789abc';
const hex = (s: string): string => createHash('sha256').update(s).digest('hex');

describe('tokens file', () => {
  it('reads YAML: names, tokens or their digests, namespace globs, rights', () => {
    const entries = parseTokens(
      `- name: alice\n  token: ${ALICE}\n  namespaces: ["team-a", "shared-*"]\n  rights: [submit, read, cancel]\n- name: ops\n  sha256: ${hex(BOB)}\n  rights: [admin]\n`,
      'f',
    );
    const t = tokenTable(entries);
    const alice = t.lookup(ALICE);
    assert.deepEqual(alice, { kind: 'token', name: 'alice', namespaces: ['team-a', 'shared-*'], rights: ['submit', 'read', 'cancel'] });
    assert.equal(t.reaches(alice!, 'team-a'), true);
    assert.equal(t.reaches(alice!, 'shared-db'), true);
    assert.equal(t.reaches(alice!, 'kube-system'), false);
    const ops = t.lookup(BOB);
    assert.equal(ops?.kind === 'token' && ops.name, 'ops');
    assert.equal(t.reaches(ops!, 'anything'), true, 'namespaces default to "*"');
    assert.equal(t.lookup(hex(BOB)), null, 'the digest itself is no token');
    assert.equal(t.lookup('nope-nope-nope-nope'), null);
  });

  it('reads JSON, also as {tokens: [...]}', () => {
    const t = tokenTable(parseTokens(JSON.stringify({ tokens: [{ name: 'a', token: ALICE, rights: ['read'] }] }), 'f'));
    assert.equal(t.lookup(ALICE)?.kind, 'token');
  });

  const bad: Array<[string, string, RegExp]> = [
    ['not a list', 'name: x', /f: expected a list of tokens/],
    ['no name', `- token: ${ALICE}\n  rights: [read]`, /f\[0\]\.name/],
    ['both token and digest', `- name: a\n  token: ${ALICE}\n  sha256: ${hex(ALICE)}\n  rights: [read]`, /f\[0\]: give exactly one of sha256 and token/],
    ['short token', `- name: a\n  token: short\n  rights: [read]`, /f\[0\]\.token: at least 16 characters/],
    ['bad digest', `- name: a\n  sha256: abc\n  rights: [read]`, /f\[0\]\.sha256: 64 hex digits/],
    ['unknown right', `- name: a\n  token: ${ALICE}\n  rights: [read, root]`, /f\[0\]\.rights\[1\]: "root" is not one of submit, read, cancel, admin/],
    ['no rights', `- name: a\n  token: ${ALICE}`, /f\[0\]\.rights/],
    ['bad glob', `- name: a\n  token: ${ALICE}\n  namespaces: ["[a-"]\n  rights: [read]`, /f\[0\]\.namespaces\[0\]/],
    ['duplicate name', `- name: a\n  token: ${ALICE}\n  rights: [read]\n- name: a\n  token: ${BOB}\n  rights: [read]`, /f\[1\]\.name: "a" is used twice/],
  ];
  for (const [name, text, want] of bad) {
    it(`refuses a file with ${name}, naming where`, () => {
      assert.throws(() => parseTokens(text, 'f'), (err: unknown) => err instanceof TokensFileError && want.test(err.message));
    });
  }

  const dir = mkdtempSync(join(tmpdir(), 'hookd-tokens-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('re-reads the file when it changes; a broken file keeps the previous tokens', async () => {
    const path = join(dir, 'tokens.yaml');
    writeFileSync(path, `- name: alice\n  token: ${ALICE}\n  rights: [read]\n`);
    const events: Array<{ err: Error | null; count: number }> = [];
    let notify: (() => void) | null = null;
    const table = watchTokensFile(path, (err, count) => {
      events.push({ err, count });
      notify?.();
    }, 20);
    after(() => table.close());
    // The watcher does not keep the process alive (hookd's own servers do): this test's timer does.
    const alive = setInterval(() => undefined, 1000);
    after(() => clearInterval(alive));
    // watchFile takes its first stat asynchronously: a write that lands before it is the
    // baseline, not a change. Write again until the watcher reports one.
    const write = async (text: string): Promise<void> => {
      for (;;) {
        const seen = new Promise<boolean>((resolve) => {
          notify = () => resolve(true);
          setTimeout(() => resolve(false), 500);
        });
        writeFileSync(path, text);
        if (await seen) return;
      }
    };
    assert.equal(table.lookup(ALICE)?.kind, 'token');
    assert.equal(table.lookup(BOB), null);

    await write(`- name: bob\n  token: ${BOB}\n  rights: [read]\n  namespaces: [b]\n`);
    assert.equal(table.lookup(ALICE), null, 'a removed token stops working');
    const bob = table.lookup(BOB);
    assert.equal(bob?.kind === 'token' && bob.name, 'bob');

    await write(`- name: bob\n  rights: [read]\n`);
    assert.match(events.at(-1)?.err?.message ?? '', /give exactly one of sha256 and token/);
    assert.equal(table.lookup(BOB)?.kind, 'token', 'the previous tokens stay in force');
  });
});
