import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BoundedOutput } from '../../src/kube/bounded-output.ts';

function feed(max: number, ...chunks: Array<string | Buffer>): BoundedOutput {
  const out = new BoundedOutput(max);
  for (const c of chunks) out.write(typeof c === 'string' ? Buffer.from(c) : c);
  return out;
}

test('keeps everything under the bound', () => {
  const out = feed(10, 'abc', 'def');
  assert.equal(out.text(), 'abcdef');
  assert.equal(out.truncated, false);
});

test('exactly the bound is not truncated', () => {
  const out = feed(6, 'abc', 'def');
  assert.equal(out.text(), 'abcdef');
  assert.equal(out.truncated, false);
});

test('cuts at the bound across chunks and flags it', () => {
  const out = feed(4, 'abc', 'def', 'ghi');
  assert.equal(out.text(), 'abcd');
  assert.equal(out.truncated, true);
});

test('a multi-byte character cut by the bound is dropped, not mangled', () => {
  // "é" is 2 bytes, "€" is 3: a bound of 4 bytes keeps "aé" and half of "€".
  const out = feed(4, 'aé€');
  assert.equal(out.text(), 'aé');
  assert.equal(out.truncated, true);
});

test('a character split across frames is joined', () => {
  const euro = Buffer.from('€');
  const out = feed(100, euro.subarray(0, 1), euro.subarray(1));
  assert.equal(out.text(), '€');
});

test('zero bytes allowed: empty text, truncated when anything came', () => {
  assert.equal(feed(0).truncated, false);
  const out = feed(0, 'x');
  assert.equal(out.text(), '');
  assert.equal(out.truncated, true);
});

test('a stream of one-byte frames costs about its bytes, not an object per frame', () => {
  // A server (or a command writing byte by byte) can send the output in frames of one byte:
  // kept as one Buffer each, 512 KiB of output held ~60 MB of heap.
  const one = Buffer.from('a');
  const n = 512 * 1024;
  const before = process.memoryUsage();
  const out = new BoundedOutput(n);
  for (let i = 0; i < n; i++) out.write(one);
  const after = process.memoryUsage();
  const grown = after.heapUsed + after.arrayBuffers - (before.heapUsed + before.arrayBuffers);
  assert.ok(grown < 8 * 1024 * 1024, `${(grown / 1e6).toFixed(1)} MB held for ${n} bytes`);
  assert.equal(out.text(), 'a'.repeat(n));
  assert.equal(out.truncated, false);
});
