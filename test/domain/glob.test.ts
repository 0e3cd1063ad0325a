import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileGlob } from '../../src/domain/glob.ts';
import { compileGlob as compileReference } from './glob-reference.ts';

// A small deterministic generator, so a failure names a seed that reproduces it.
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
}

const pick = (next: () => number, alphabet: string, max: number): string => {
  const n = Math.floor(next() * (max + 1));
  let out = '';
  for (let i = 0; i < n; i++) out += alphabet[Math.floor(next() * alphabet.length)];
  return out;
};

test('the NFA answers as the backtracking matcher on random small patterns and names', () => {
  const next = rng(20261203);
  let compared = 0;
  let matched = 0;
  for (let i = 0; i < 4000; i++) {
    const pattern = pick(next, 'ab*?{},[]!-\\', 9);
    const want = compileReference(pattern);
    const got = compileGlob(pattern);
    assert.equal(got.ok, want.ok, `pattern ${JSON.stringify(pattern)} compiles the same`);
    if (!got.ok || !want.ok) {
      assert.equal(got.ok ? '' : got.error, want.ok ? '' : want.error, `pattern ${JSON.stringify(pattern)}`);
      continue;
    }
    for (let j = 0; j < 12; j++) {
      const name = pick(next, 'ab-,{}', 7);
      const m: boolean = want.glob.match(name);
      assert.equal(got.glob.match(name), m, `pattern ${JSON.stringify(pattern)} on ${JSON.stringify(name)}`);
      compared++;
      if (m) matched++;
    }
  }
  // The generator must exercise both answers, or the comparison proves little.
  assert.ok(compared > 10_000 && matched > 1_000 && compared - matched > 1_000, `${compared} compared, ${matched} matched`);
});

test('patterns that make a backtracking matcher exponential are answered at once', () => {
  const hostile = [`${'{,}'.repeat(28)}X`, `${'*a'.repeat(40)}X`, `${'{a,a}'.repeat(2000)}`];
  const name = 'a'.repeat(253);
  for (const pattern of hostile) {
    const started = performance.now();
    const compiled = compileGlob(pattern);
    assert.ok(compiled.ok);
    assert.equal(compiled.glob.match(name), false);
    // The reference matcher needs seconds to hours here; a linear one needs well under this.
    assert.ok(performance.now() - started < 500, `${pattern.slice(0, 20)}… took ${performance.now() - started} ms`);
  }
  const long = compileGlob(`${'*'.repeat(5000)}${'?'.repeat(5000)}`);
  assert.ok(long.ok);
  assert.equal(long.glob.match('a'.repeat(253)), false);
});

test("text, one * and text matches as gobwas/glob v0.2.3's PrefixSuffix does: prefix and suffix may overlap", () => {
  const cases: [string, string, boolean][] = [
    ['prod*od', 'prod', true], // the overlap: "prod" starts with "prod" and ends with "od"
    ['prod*od', 'prod-od', true],
    ['prod*od', 'pro', false],
    ['ab*ab', 'ab', true],
    ['ab**ab', 'ab', true],
    ['pr*rod', 'prod', true],
    ['od*prod', 'prod', false],
    ['a*b*c', 'abc', true],
    ['prod*', 'prod', true],
    ['{prod*od,x}', 'prod', false], // inside alternatives: by the pattern's meaning
  ];
  for (const [pattern, name, want] of cases) {
    const g = compileGlob(pattern);
    assert.ok(g.ok, pattern);
    assert.equal(g.glob.match(name), want, `${pattern} on ${name}`);
  }
});
