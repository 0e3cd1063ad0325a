import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatGoDuration, parseGoDuration, parseGoDurationNs } from '../../src/domain/duration.ts';

const parses: { name: string; input: string; want: number | null }[] = [
  { name: 'duration: seconds', input: '30s', want: 30_000 },
  { name: 'duration: compound 1m30s', input: '1m30s', want: 90_000 },
  { name: 'duration: fraction of an hour', input: '1.5h', want: 5_400_000 },
  { name: 'duration: leading dot fraction', input: '.5s', want: 500 },
  { name: 'duration: trailing dot is allowed', input: '1.s', want: 1_000 },
  { name: 'duration: bare "0" needs no unit', input: '0', want: 0 },
  { name: 'duration: signed "-0" and "+0"', input: '+0', want: 0 },
  { name: 'duration: negative', input: '-1m', want: -60_000 },
  { name: 'duration: explicit plus sign', input: '+2h', want: 7_200_000 },
  { name: 'duration: micro sign µs (U+00B5)', input: '1500\u00b5s', want: 1.5 },
  { name: 'duration: greek mu μs (U+03BC)', input: '2\u03bcs', want: 0.002 },
  { name: 'duration: us and ns', input: '1us1ns', want: 0.001001 },
  { name: 'duration: units in any order', input: '1s1h', want: 3_601_000 },
  { name: 'duration: "1" without unit is an error', input: '1', want: null },
  { name: 'duration: empty is an error', input: '', want: null },
  { name: 'duration: lone sign is an error', input: '-', want: null },
  { name: 'duration: days are not a Go unit', input: '1d', want: null },
  { name: 'duration: no spaces', input: '5 minutes', want: null },
  { name: 'duration: no trailing space', input: '30s ', want: null },
  { name: 'duration: upper-case unit is unknown', input: '30S', want: null },
  { name: 'duration: ".s" has no digits', input: '.s', want: null },
  { name: 'duration: "0s" is zero', input: '0s', want: 0 },
  { name: 'duration: "00" is not the "0" special case', input: '00', want: null },
  { name: 'duration: largest int64 in ns', input: '9223372036854775807ns', want: 9_223_372_036_854.775 },
  { name: 'duration: overflow is an error', input: '9223372036854775808ns', want: null },
  { name: 'duration: minimum int64 is accepted when negative', input: '-9223372036854775808ns', want: -9_223_372_036_854.775 },
  { name: 'duration: 2562048h overflows', input: '2562048h', want: null },
];

for (const c of parses) {
  test(c.name, () => assert.equal(parseGoDuration(c.input), c.want));
}

test('duration: Go error messages name the problem', () => {
  assert.deepEqual(parseGoDurationNs('5 minutes'), { ok: false, error: 'time: unknown unit " minutes" in duration "5 minutes"' });
  assert.deepEqual(parseGoDurationNs('5'), { ok: false, error: 'time: missing unit in duration "5"' });
  assert.deepEqual(parseGoDurationNs('x'), { ok: false, error: 'time: invalid duration "x"' });
});

const formats: { name: string; input: number; want: string }[] = [
  { name: 'Duration.String: zero is 0s', input: 0, want: '0s' },
  { name: 'Duration.String: seconds', input: 30_000, want: '30s' },
  { name: 'Duration.String: minutes keep 0s', input: 60_000, want: '1m0s' },
  { name: 'Duration.String: hours', input: 3_600_000, want: '1h0m0s' },
  { name: 'Duration.String: fraction of seconds', input: 90_500, want: '1m30.5s' },
  { name: 'Duration.String: milliseconds', input: 1.5, want: '1.5ms' },
  { name: 'Duration.String: microseconds use µ', input: 0.002, want: '2\u00b5s' },
  { name: 'Duration.String: nanoseconds', input: 0.000001, want: '1ns' },
  { name: 'Duration.String: negative', input: -5_400_000, want: '-1h30m0s' },
];
for (const c of formats) {
  test(c.name, () => assert.equal(formatGoDuration(c.input), c.want));
}
