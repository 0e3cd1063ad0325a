// Sealed records open only unchanged, in their own place, under their own key.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { createSealer, SealBrokenError } from '../../src/store/sealed-json.ts';

const value = { hooks: [{ command: ['sh', '-c', 'echo "quoted" \u00e9 \\n'], n: 1.5e-7, big: 1e21 }], warnings: [], empty: {} };

test('a sealed record opens to the value it was sealed from', () => {
  const s = createSealer(randomBytes(32));
  const text = s.seal('plan:j1:0', value);
  assert.ok(text.startsWith('{"mac":"'));
  assert.deepEqual(s.open('plan:j1:0', text, 'x'), value);
  assert.deepEqual(s.open('plan:j1:0', s.seal('plan:j1:0', {}), 'x'), {});
});

test('changed, moved, or sealed with another key: refused', () => {
  const s = createSealer(randomBytes(32));
  const text = s.seal('plan:j1:0', value);
  const broken = (t: string, context = 'plan:j1:0', sealer = s) => assert.throws(() => sealer.open(context, t, 'the plan'), SealBrokenError);
  broken(text.replace('echo', 'ecHo'));
  broken(text, 'plan:j1:1');
  broken(text, 'plan:j2:0');
  broken(text, 'plan:j1:0', createSealer(randomBytes(32)));
  broken(text.replace(/"mac":"[0-9a-f]+"/, '"mac":"00"'));
  broken(JSON.stringify(value));
  broken('not json');
  broken('[1]');
  assert.throws(() => createSealer(Buffer.alloc(16)), /at least 32 bytes/);
});
