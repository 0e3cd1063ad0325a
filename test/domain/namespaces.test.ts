import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileGlob } from '../../src/domain/glob.ts';
import { namespaceMatches } from '../../src/domain/namespaces.ts';

const cases: { name: string; ns: string; inc?: string[]; exc?: string[]; want: boolean }[] = [
  { name: 'namespaces: no lists include everything', ns: 'db', want: true },
  { name: 'namespaces: empty include list includes everything', ns: 'db', inc: [], want: true },
  { name: 'namespaces: "*" includes everything', ns: 'db', inc: ['*'], want: true },
  { name: 'namespaces: exact name', ns: 'db', inc: ['db'], want: true },
  { name: 'namespaces: other name does not match', ns: 'web', inc: ['db'], want: false },
  { name: 'namespaces: prefix glob prod-* matches prod-db', ns: 'prod-db', inc: ['prod-*'], want: true },
  { name: 'namespaces: glob is anchored', ns: 'xprod-db', inc: ['prod-*'], want: false },
  { name: 'namespaces: ? matches one character', ns: 'db1', inc: ['db?'], want: true },
  { name: 'namespaces: [abc] class', ns: 'db-b', inc: ['db-[abc]'], want: true },
  { name: 'namespaces: [!abc] negated class', ns: 'db-b', inc: ['db-[!abc]'], want: false },
  { name: 'namespaces: [a-z] range', ns: 'db-q', inc: ['db-[a-z]'], want: true },
  { name: 'namespaces: {a,b} alternatives', ns: 'staging', inc: ['{prod,staging}'], want: true },
  { name: 'namespaces: no separators, * crosses dots', ns: 'a.b.c', inc: ['a*c'], want: true },
  { name: 'namespaces: exclude wins over include', ns: 'prod-db', inc: ['prod-*'], exc: ['prod-db'], want: false },
  { name: 'namespaces: exclude wins over "*"', ns: 'kube-system', inc: ['*'], exc: ['kube-*'], want: false },
  { name: 'namespaces: exclude only, others included', ns: 'db', exc: ['kube-*'], want: true },
  { name: 'namespaces: pattern that does not compile matches nothing', ns: 'db-0', inc: ['db-[0-9a-z]'], want: false },
  // Velero's globStringSet.match walks the sorted set and stops at the first bad pattern.
  { name: 'namespaces: a bad pattern hides the patterns sorted after it (Velero)', ns: 'prod', inc: ['[bad', 'prod'], want: false },
  { name: 'namespaces: a bad pattern does not hide the ones sorted before it', ns: 'abc', inc: ['abc', 'z[bad'], want: true },
];
for (const c of cases) test(c.name, () => assert.equal(namespaceMatches(c.ns, c.inc, c.exc), c.want));

const compiles: { name: string; pattern: string; want: boolean }[] = [
  { name: 'glob.Compile: [] does not compile', pattern: '[]', want: false },
  { name: 'glob.Compile: two ranges in one class do not compile', pattern: '[a-z0-9]', want: false },
  { name: 'glob.Compile: reversed range does not compile', pattern: '[z-a]', want: false },
  { name: 'glob.Compile: unclosed [ does not compile', pattern: 'db-[ab', want: false },
  { name: 'glob.Compile: unclosed { compiles', pattern: '{a,b', want: true },
  { name: 'glob.Compile: } and , outside braces are text', pattern: 'a,b}', want: true },
  { name: 'glob.Compile: U+FFFD does not compile (RuneError)', pattern: 'a\ufffd', want: false },
];
for (const c of compiles) test(c.name, () => assert.equal(compileGlob(c.pattern).ok, c.want));

test('glob: escapes, text braces and unclosed alternatives match as gobwas/glob does', () => {
  const m = (p: string, s: string): boolean => {
    const g = compileGlob(p);
    assert.ok(g.ok, p);
    return g.glob.match(s);
  };
  assert.equal(m('a\\*', 'a*'), true);
  assert.equal(m('a\\*', 'ab'), false);
  assert.equal(m('a,b}', 'a,b}'), true);
  assert.equal(m('{a,b', 'b'), true);
  assert.equal(m('{,x}y', 'y'), true);
  assert.equal(m('[ab-c]', '-'), true); // '-' after the first character is literal
  assert.equal(m('**', 'any/thing.at-all'), true);
  assert.equal(m('', ''), true);
  assert.equal(m('', 'x'), false);
});
