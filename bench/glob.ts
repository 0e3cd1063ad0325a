// npm run bench:glob -- [--patterns P] [--namespaces N,N,...]
// How namespace matching scales: P realistic patterns (the README's figure uses 100)
// against N namespace names for several N, and the hostile patterns that froze the old
// backtracking matcher, each answered (compiled and matched against a 253-character
// name) with its time. Linear matching shows as a flat time per match across N.

import { parseArgs } from 'node:util';
import { compileGlob } from '../src/domain/glob.ts';

const { values } = parseArgs({ options: { patterns: { type: 'string', default: '100' }, namespaces: { type: 'string', default: '1000,10000,100000' } } });
const patternCount = Number(values.patterns);
const sizes = String(values.namespaces).split(',').map(Number);

function rng(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
}
const next = rng(7);
const word = (n: number): string => Array.from({ length: n }, () => 'abcdefghijklmnopqrstuvwxyz0123456789'[Math.floor(next() * 36)]).join('');
const shapes = [
  () => `${word(4)}-*`,
  () => `*-${word(3)}`,
  () => `${word(3)}-{prod,staging,dev}-*`,
  () => `team-?${word(2)}*`,
  () => `*${word(2)}*${word(2)}*`,
  () => `${word(5)}-[a-m]*`,
];
const patterns = Array.from({ length: patternCount }, (_, i) => shapes[i % shapes.length]?.() ?? '*');
const compiled = patterns.map((p) => {
  const c = compileGlob(p);
  if (!c.ok) throw new Error(`${p}: ${c.error}`);
  return c.glob;
});

console.log(`${patternCount} patterns`);
console.log('namespaces | matches | ms | ns per match');
for (const n of sizes) {
  const names = Array.from({ length: n }, () => `${word(3 + Math.floor(next() * 6))}-${word(4 + Math.floor(next() * 20))}`);
  let hits = 0;
  const started = process.hrtime.bigint();
  for (const g of compiled) for (const name of names) if (g.match(name)) hits++;
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  console.log(`${n} | ${patternCount * n} (${hits} true) | ${ms.toFixed(0)} | ${((ms * 1e6) / (patternCount * n)).toFixed(0)}`);
}

const name = 'a'.repeat(253);
console.log('\nhostile pattern | characters | ms (compile + match 253 characters)');
for (const [label, pattern] of [
  ['{,} x28 then X', `${'{,}'.repeat(28)}X`],
  ['*a x40 then X', `${'*a'.repeat(40)}X`],
  ['10,000 characters of *?', `${'*?'.repeat(5000)}`],
] as const) {
  const started = process.hrtime.bigint();
  const c = compileGlob(pattern);
  const matched = c.ok ? c.glob.match(name) : null;
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  console.log(`${label} | ${pattern.length} | ${ms.toFixed(2)} (${matched === null ? 'does not compile' : `match ${matched}`})`);
}
