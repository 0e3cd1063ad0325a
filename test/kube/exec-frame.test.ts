// The exec frame decoder: a channel byte then data, whole frames as ws delivers them.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeExecFrame, EXEC_PROTOCOLS } from '../../src/kube/exec-frame.ts';

const frame = (channel: number, data: string | Buffer = '') => Buffer.concat([Buffer.from([channel]), Buffer.from(data)]);

test('stdout and stderr: the data after the channel byte, as a view of the frame', () => {
  const f = frame(1, 'hello');
  const out = decodeExecFrame(f);
  assert.equal(out.kind, 'stdout');
  if (out.kind === 'stdout') {
    assert.equal(out.data.toString(), 'hello');
    assert.equal(out.data.buffer, f.buffer, 'no copy here: the collector copies what it keeps');
  }
  assert.deepEqual(decodeExecFrame(frame(2, Buffer.from([0xe2, 0x82]))), { kind: 'stderr', data: Buffer.from([0xe2, 0x82]) });
});

test('the status: the JSON object of channel 3', () => {
  const status = { kind: 'Status', status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '2' }] } };
  assert.deepEqual(decodeExecFrame(frame(3, JSON.stringify(status))), { kind: 'status', status });
});

test('a status that is not a JSON object is unreadable', () => {
  for (const body of ['{not json', '', '"Success"', 'null', '[1]', '42']) {
    const out = decodeExecFrame(frame(3, body));
    assert.equal(out.kind, 'unreadable', body);
    if (out.kind === 'unreadable') assert.match(out.reason, /^the status is not/);
  }
});

test('empty frames, empty output, v5 close signals and unknown channels are ignored', () => {
  for (const f of [Buffer.alloc(0), frame(1), frame(2), frame(255, Buffer.from([1])), frame(255), frame(0, 'stdin?'), frame(4, '{"Width":80}'), frame(9, 'later')]) {
    assert.deepEqual(decodeExecFrame(f), { kind: 'ignored' }, f.toString('hex'));
  }
});

test('v5 first, then v4: the only protocols offered', () => {
  assert.deepEqual(EXEC_PROTOCOLS, ['v5.channel.k8s.io', 'v4.channel.k8s.io']);
});
