import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matchesLabelSelector } from '../../src/domain/selector.ts';
import type { LabelSelector } from '../../src/domain/types.ts';

const labels = { app: 'pg', tier: 'db' };
const cases: { name: string; selector: LabelSelector | null | undefined; want: boolean }[] = [
  { name: 'selector: undefined matches every pod', selector: undefined, want: true },
  { name: 'selector: null matches every pod', selector: null, want: true },
  { name: 'selector: empty {} matches every pod (LabelSelectorAsSelector gives Everything)', selector: {}, want: true },
  { name: 'selector: empty lists match every pod', selector: { matchLabels: {}, matchExpressions: [] }, want: true },
  { name: 'selector: matchLabels equal', selector: { matchLabels: { app: 'pg' } }, want: true },
  { name: 'selector: matchLabels all must hold', selector: { matchLabels: { app: 'pg', tier: 'web' } }, want: false },
  { name: 'selector: matchLabels missing key', selector: { matchLabels: { zone: 'a' } }, want: false },
  { name: 'selector: In', selector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['db', 'cache'] }] }, want: true },
  { name: 'selector: In with missing key fails', selector: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }, want: false },
  { name: 'selector: NotIn', selector: { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['db'] }] }, want: false },
  { name: 'selector: NotIn matches a missing key', selector: { matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }, want: true },
  { name: 'selector: Exists', selector: { matchExpressions: [{ key: 'app', operator: 'Exists' }] }, want: true },
  { name: 'selector: DoesNotExist', selector: { matchExpressions: [{ key: 'app', operator: 'DoesNotExist' }] }, want: false },
  {
    name: 'selector: matchLabels and matchExpressions are ANDed',
    selector: { matchLabels: { app: 'pg' }, matchExpressions: [{ key: 'zone', operator: 'Exists' }] },
    want: false,
  },
  { name: 'selector: In without values is invalid and matches nothing', selector: { matchExpressions: [{ key: 'app', operator: 'In', values: [] }] }, want: false },
  { name: 'selector: Exists with values is invalid and matches nothing', selector: { matchExpressions: [{ key: 'app', operator: 'Exists', values: ['pg'] }] }, want: false },
  { name: 'selector: invalid label key matches nothing', selector: { matchLabels: { 'bad key': 'x' } }, want: false },
];
for (const c of cases) test(c.name, () => assert.equal(matchesLabelSelector(c.selector, labels), c.want));
