import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalJson } from '../../src/domain/canonical-json.ts';

const cases: { name: string; a: unknown; b: unknown; same: boolean }[] = [
  { name: 'canonical JSON: key order does not matter, recursively', a: { b: 1, a: { d: [1, { y: 2, x: 1 }], c: null } }, b: { a: { c: null, d: [1, { x: 1, y: 2 }] }, b: 1 }, same: true },
  { name: 'canonical JSON: array order matters', a: { pods: ['a', 'b'] }, b: { pods: ['b', 'a'] }, same: false },
  { name: 'canonical JSON: integer-like keys are sorted too', a: { 10: 'x', 9: 'y', a: 1 }, b: { a: 1, 9: 'y', 10: 'x' }, same: true },
  { name: 'canonical JSON: undefined members are dropped as in JSON', a: { a: 1, b: undefined }, b: { a: 1 }, same: true },
  { name: 'canonical JSON: 1 and "1" differ', a: { a: 1 }, b: { a: '1' }, same: false },
];
for (const c of cases) test(c.name, () => assert.equal(canonicalJson(c.a) === canonicalJson(c.b), c.same));

test('canonical JSON: exact output has sorted keys and no whitespace', () => {
  assert.equal(canonicalJson({ z: [true, null, 'é'], a: { c: 1.5, b: -0 } }), '{"a":{"b":0,"c":1.5},"z":[true,null,"é"]}');
});
