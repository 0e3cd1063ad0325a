// The process logger writes stdout asynchronously: every line must still be there when the
// process exits right after logging, by process.exit or by an uncaught error.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { MAX_UNWRITTEN_LOG_BYTES } from '../src/log.ts';

const LOG_MODULE = fileURLToPath(new URL('../src/log.ts', import.meta.url));

function runChild(body: string): { lines: string[]; status: number | null } {
  const script = `import { createLogger } from ${JSON.stringify(LOG_MODULE)};\nconst log = createLogger('info');\n${body}`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  return { lines: r.stdout.split('\n').filter((l) => l !== ''), status: r.status };
}

test('lines logged right before process.exit are all written', () => {
  const { lines, status } = runChild(`for (let i = 0; i < 5000; i++) log.info({ i }, 'line');\nprocess.exit(3);`);
  assert.equal(status, 3);
  assert.equal(lines.length, 5000);
  assert.deepEqual(JSON.parse(lines[4999] ?? '{}').i, 4999);
});

test('lines logged right before an uncaught error are all written', () => {
  const { lines, status } = runChild(`for (let i = 0; i < 2000; i++) log.info({ i }, 'line');\nthrow new Error('boom');`);
  assert.equal(status, 1);
  assert.equal(lines.length, 2000);
});

test('stdout is written asynchronously, with a bound on what may wait unwritten', () => {
  const { lines } = runChild(
    [
      `import { pino } from 'pino';`,
      `const stream = log[pino.symbols.streamSym];`,
      `log.info({ sync: stream.sync, maxLength: stream.maxLength }, 'destination');`,
    ].join('\n'),
  );
  const d = JSON.parse(lines[0] ?? '{}') as { sync?: boolean; maxLength?: number };
  assert.equal(d.sync, false);
  assert.equal(d.maxLength, MAX_UNWRITTEN_LOG_BYTES);
});
