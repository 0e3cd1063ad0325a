// The nearest known key for a misspelt one: the distance itself, and which keys are suggested.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { didYouMean, editDistance, nearestKeys } from '../../src/domain/nearest-key.ts';

const KEYS = ['command', 'container', 'on-error', 'exec-timeout', 'wait-timeout', 'wait-for-ready'];

const distances: [string, string, number][] = [
  ['', '', 0],
  ['', 'abc', 3],
  ['abc', '', 3],
  ['on-error', 'on-error', 0],
  ['on-eror', 'on-error', 1], // deletion
  ['on-errror', 'on-error', 1], // insertion
  ['on-errer', 'on-error', 1], // substitution
  ['on-erorr', 'on-error', 1], // two neighbours swapped: one edit, not two
  ['conatiner', 'container', 1],
  ['ca', 'abc', 3], // optimal string alignment: no edit of a swapped pair (true Damerau-Levenshtein says 2)
  ['kitten', 'sitting', 3],
];
for (const [a, b, want] of distances) {
  test(`editDistance(${JSON.stringify(a)}, ${JSON.stringify(b)}) = ${want}`, () => {
    assert.equal(editDistance(a, b), want);
    assert.equal(editDistance(b, a), want, 'symmetric');
  });
}

const suggestions: [string, string[]][] = [
  ['on-eror', ['on-error']],
  ['onerror', ['on-error']],
  ['On-Error', ['on-error']],
  ['on_error', ['on-error']],
  ['comand', ['command']],
  ['commands', ['command']],
  ['containers', ['container']],
  ['exec-timout', ['exec-timeout']],
  ['execTimeout', ['exec-timeout']],
  ['wait-for-redy', ['wait-for-ready']],
  ['waitforready', ['wait-for-ready']],
  ['timeout', ['exec-timeout', 'wait-timeout']],
  ['ready', ['wait-for-ready']],
  ['priority', []],
  ['x', []],
  ['', []],
  ['a'.repeat(65), []],
];
for (const [key, want] of suggestions) {
  test(`nearestKeys(${JSON.stringify(key.length > 20 ? `${key.slice(0, 8)}...` : key)}) = ${JSON.stringify(want)}`, () => assert.deepEqual(nearestKeys(key, KEYS), want));
}

test('didYouMean words one, two or no suggestions', () => {
  assert.equal(didYouMean('on-eror', KEYS), ' (did you mean on-error?)');
  assert.equal(didYouMean('timeout', KEYS), ' (did you mean exec-timeout or wait-timeout?)');
  assert.equal(didYouMean('wait', ['a-wait', 'b-wait', 'c-wait']), ' (did you mean a-wait, b-wait or c-wait?)');
  assert.equal(didYouMean('priority', KEYS), '');
});
