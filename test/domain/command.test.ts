import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCommand } from '../../src/domain/command.ts';

const cases: { name: string; input: string; want: string[] }[] = [
  { name: 'command: JSON array of strings is the argv', input: '["/bin/sh","-c","echo hi"]', want: ['/bin/sh', '-c', 'echo hi'] },
  { name: 'command: plain value is one argument, never split on spaces', input: '/bin/sh -c "echo hi"', want: ['/bin/sh -c "echo hi"'] },
  { name: 'command: broken JSON after [ falls back to the whole value', input: '[/bin/sh, -c]', want: ['[/bin/sh, -c]'] },
  { name: 'command: array of non-strings falls back to the whole value', input: '[1, 2]', want: ['[1, 2]'] },
  { name: 'command: null element decodes as "" (Go json leaves the string empty)', input: '["a", null]', want: ['a', ''] },
  { name: 'command: empty JSON array gives an empty command', input: '[]', want: [] },
  { name: 'command: leading space is not JSON, one argument', input: ' ["a"]', want: [' ["a"]'] },
  { name: 'command: JSON object is not an array, one argument', input: '{"a":1}', want: ['{"a":1}'] },
];
for (const c of cases) test(c.name, () => assert.deepEqual(parseCommand(c.input), c.want));
