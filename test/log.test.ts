// What the log never shows: the secret keys at the top of a line or one level down in any of
// its objects, the authorization headers, whatever the line's other fields are.

import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { censorNested, createLogger } from '../src/log.ts';

function capture(): { lines: Record<string, unknown>[]; stream: Writable } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _e, cb) {
      for (const l of chunk.toString('utf8').split('\n')) if (l !== '') lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { lines, stream };
}

test('secret keys are censored at the top level and one level down; everything else is logged as it is', () => {
  const { lines, stream } = capture();
  const log = createLogger('info', stream).child({ jobId: 'j1', pod: 'p' });
  const body = { token: 's1', name: 'n', nested: { kubeconfig: 's2' } };
  const err = Object.assign(new Error('exec failed'), { stdout: 's3', stderr: 's4', code: 'E' });
  log.info({ token: 's5', kubeconfig: 's6', stdout: 's7', stderr: 's8', authorization: 's9', body, err, count: 3, ok: true }, 'm');
  log.info({ headers: { authorization: 's10', accept: 'a' }, req: { headers: { authorization: 's11', cookie: 's12', host: 'h' } } }, 'h');
  log.info({ result: { phase: 'Succeeded', stdoutBytes: 4 } }, 'plain');
  const text = JSON.stringify(lines);
  for (let i = 1; i <= 12; i++) if (i !== 2) assert.ok(!text.includes(`"s${i}"`), `s${i} is not in the log: ${text}`);
  const [first, second, third] = lines;
  assert.equal(first?.token, '[redacted]');
  // Two levels down is not looked at (`*.kubeconfig` names one level).
  assert.deepEqual(first?.body, { token: '[redacted]', name: 'n', nested: { kubeconfig: 's2' } });
  assert.equal((first?.err as { message?: string }).message, 'exec failed', 'an error keeps its message');
  assert.equal((first?.err as { code?: string }).code, 'E');
  assert.match(String((first?.err as { stack?: string }).stack), /^Error: exec failed\n/, 'and its stack');
  assert.equal((first?.err as { stdout?: string }).stdout, '[redacted]');
  assert.equal(first?.count, 3);
  assert.equal(first?.jobId, 'j1');
  assert.deepEqual((second?.headers as Record<string, unknown>), { authorization: '[redacted]', accept: 'a' });
  assert.deepEqual(((second?.req as Record<string, unknown>).headers as Record<string, unknown>).host, 'h');
  assert.deepEqual(third?.result, { phase: 'Succeeded', stdoutBytes: 4 });
  // The caller's objects are left as they were.
  assert.equal(body.token, 's1');
  assert.equal(err.stdout, 's3');
});

test('censorNested copies a line only when it censors something', () => {
  const line = { a: 'x', b: { c: 1 }, d: [{ token: 't' }] };
  assert.equal(censorNested(line), line);
  const out = censorNested({ a: { stdout: 'o' } });
  assert.deepEqual(out, { a: { stdout: '[redacted]' } });
});
