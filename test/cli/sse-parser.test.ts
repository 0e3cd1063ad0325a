// The plugin's event-stream parser: hookd's frames, split anywhere, and the spec's corners.

import assert from 'node:assert/strict';
import { it } from 'node:test';
import { sseParser, type SseMessage } from '../../src/cli/sse-parser.ts';

const STREAM = 'retry: 2000\n\nid: 1-0\nevent: hook\ndata: {"a":1}\n\n: keep-alive\n\nid: 2-0\nevent: done\ndata: {"status":"completed"}\n\n';
const WANT: SseMessage[] = [
  { id: '1-0', event: 'hook', data: '{"a":1}' },
  { id: '2-0', event: 'done', data: '{"status":"completed"}' },
];

it('hookd frames, in one chunk or split at every character', () => {
  const whole = sseParser();
  assert.deepEqual(whole.push(STREAM), WANT);
  assert.equal(whole.retryMs, 2000);
  const split = sseParser();
  const got: SseMessage[] = [];
  for (const c of STREAM) got.push(...split.push(c));
  assert.deepEqual(got, WANT);
});

it('CRLF and CR line ends, also split between \\r and \\n', () => {
  const crlf = STREAM.replace(/\n/g, '\r\n');
  const p = sseParser();
  const got: SseMessage[] = [];
  for (let i = 0; i < crlf.length; i += 7) got.push(...p.push(crlf.slice(i, i + 7)));
  assert.deepEqual(got, WANT);
  assert.deepEqual(sseParser().push(STREAM.replace(/\n/g, '\r')), WANT);
});

it('multi-line data, a default event name, the id kept across messages, no dispatch without a blank line', () => {
  const p = sseParser();
  assert.deepEqual(p.push('id: 7\ndata: a\ndata:b\n\ndata: c\n'), [{ id: '7', event: 'message', data: 'a\nb' }]);
  assert.deepEqual(p.push('\n'), [{ id: '7', event: 'message', data: 'c' }]);
  assert.deepEqual(p.push('event: x\n\n'), [], 'a message without data is dropped');
});
