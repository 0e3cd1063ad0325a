// Writing Server-Sent Events on a raw response: framing, backpressure, heartbeats.
// The route decides what to send; this file only knows the wire format.

import type { ServerResponse } from 'node:http';

export interface SseEvent {
  readonly id: string;
  readonly event: string;
  readonly data: unknown;
}

const EVENT_STREAM_TYPE = 'text/event-stream; charset=utf-8';

export function frame(e: SseEvent): string {
  // JSON.stringify never emits a raw newline, so one `data:` line holds the whole payload.
  return `id: ${e.id}\nevent: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`;
}

export class SseStream {
  private closed = false;
  private stalledFor = false;
  /** Resolves when the client leaves or the server ends the stream. */
  readonly done: Promise<void>;

  /**
   * `stallMs`: how long a write waits for the client to take what is buffered. A client that
   * reads nothing would otherwise hold its stream's slot, and every frame written to it, in
   * this process for as long as it keeps the connection open.
   */
  constructor(private readonly res: ServerResponse, readonly stallMs: number) {
    this.done = new Promise<void>((resolve) => {
      res.once('close', () => {
        this.closed = true;
        resolve();
      });
    });
  }

  /** Whether the stream was ended because the client stopped reading. */
  get stalled(): boolean {
    return this.stalledFor;
  }

  get isClosed(): boolean {
    return this.closed || this.res.destroyed || this.res.writableEnded;
  }

  open(retryMs: number): void {
    // Set one by one rather than passed to writeHead, so they stay readable on the response
    // (the metrics plugin tells a stream from a request by its content type).
    const headers: Record<string, string> = {
      'content-type': EVENT_STREAM_TYPE,
      // The stream holds command output: never cached (the reply is hijacked, so the
      // security headers of the app are set here too).
      'cache-control': 'no-store, no-transform',
      'x-content-type-options': 'nosniff',
      'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
      connection: 'keep-alive',
      // nginx would otherwise buffer the stream.
      'x-accel-buffering': 'no',
    };
    for (const [name, value] of Object.entries(headers)) this.res.setHeader(name, value);
    this.res.writeHead(200);
    this.res.write(`retry: ${retryMs}\n\n`);
  }

  /**
   * Resolves once the chunk is handed to the socket, waiting for drain when the client is
   * slow; a client that takes nothing for `stallMs` has its connection destroyed.
   */
  async write(chunk: string): Promise<void> {
    if (this.isClosed) return;
    if (this.res.write(chunk)) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.res.off('drain', done);
        this.res.off('close', done);
        resolve();
      };
      const timer = setTimeout(() => {
        this.stalledFor = true;
        this.closed = true;
        this.res.destroy();
        done();
      }, this.stallMs);
      this.res.once('drain', done);
      this.res.once('close', done);
    });
  }

  comment(text: string): Promise<void> {
    return this.write(`: ${text}\n\n`);
  }

  end(): void {
    this.closed = true;
    if (!this.res.writableEnded) this.res.end();
  }
}
