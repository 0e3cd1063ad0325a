import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseGoBool } from '../../src/domain/go-bool.ts';

const cases: { name: string; input: string; want: boolean | null }[] = [
  ...['1', 't', 'T', 'TRUE', 'true', 'True'].map((input) => ({ name: `ParseBool: ${JSON.stringify(input)} is true`, input, want: true })),
  ...['0', 'f', 'F', 'FALSE', 'false', 'False'].map((input) => ({ name: `ParseBool: ${JSON.stringify(input)} is false`, input, want: false })),
  { name: 'ParseBool: mixed case tRUE is an error', input: 'tRUE', want: null },
  { name: 'ParseBool: yes is an error', input: 'yes', want: null },
  { name: 'ParseBool: surrounding spaces are an error', input: ' true', want: null },
  { name: 'ParseBool: empty is an error', input: '', want: null },
];
for (const c of cases) test(c.name, () => assert.equal(parseGoBool(c.input), c.want));
