// A small Server-Sent Events client for tests: the raw frames as they arrive, parsed.

import { request, type IncomingMessage } from 'node:http';

export interface Frame {
  readonly id?: string;
  readonly event?: string;
  readonly data?: unknown;
  readonly comment?: string;
  readonly retry?: number;
}

export interface SseConnection {
  readonly status: number;
  readonly headers: IncomingMessage['headers'];
  /** Resolves with the next frame, or null when the server has ended the stream. */
  next(): Promise<Frame | null>;
  /** Frames until (and including) the first one for which `until` holds, or the end. */
  collect(until: (f: Frame) => boolean): Promise<Frame[]>;
  /** Resolves when the server ends the response. */
  readonly ended: Promise<void>;
  close(): void;
  readonly body: Promise<string>;
}

function parse(block: string): Frame {
  const f: { id?: string; event?: string; data?: unknown; comment?: string; retry?: number } = {};
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) f.comment = line.slice(1).trim();
    else {
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'id') f.id = value;
      else if (field === 'event') f.event = value;
      else if (field === 'data') data.push(value);
      else if (field === 'retry') f.retry = Number(value);
    }
  }
  if (data.length > 0) f.data = JSON.parse(data.join('\n'));
  return f;
}

export function connect(url: string, headers: Record<string, string> = {}): Promise<SseConnection> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { accept: 'text/event-stream', ...headers } }, (res) => {
      res.setEncoding('utf8');
      const queue: (Frame | null)[] = [];
      const waiters: ((f: Frame | null) => void)[] = [];
      let buffer = '';
      let raw = '';
      let endedResolve: () => void = () => undefined;
      const ended = new Promise<void>((r) => (endedResolve = r));
      const push = (f: Frame | null): void => {
        const w = waiters.shift();
        if (w) w(f);
        else queue.push(f);
      };
      res.on('data', (chunk: string) => {
        raw += chunk;
        buffer += chunk;
        let sep: number;
        while ((sep = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, sep);
          buffer = buffer.slice(sep + 2);
          if (block.trim() !== '') push(parse(block));
        }
      });
      const finish = (): void => {
        push(null);
        endedResolve();
      };
      res.on('end', finish);
      res.on('close', finish);
      const next = (): Promise<Frame | null> => {
        if (queue.length > 0) return Promise.resolve(queue.shift() ?? null);
        return new Promise((r) => waiters.push(r));
      };
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        next,
        async collect(until) {
          const out: Frame[] = [];
          for (;;) {
            const f = await next();
            if (f === null) return out;
            out.push(f);
            if (until(f)) return out;
          }
        },
        ended,
        close: () => req.destroy(),
        body: ended.then(() => raw),
      });
    });
    req.on('error', reject);
    req.end();
  });
}
