// Collects pino's JSON lines so tests can check what was logged, field by field.

import { Writable } from 'node:stream';

export interface LogSink {
  readonly lines: Array<Record<string, unknown>>;
  stream: Writable;
}

export function logSink(): LogSink {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      cb();
    },
  });
  return { lines, stream };
}

