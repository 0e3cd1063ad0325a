// A Writable that keeps the first `maxBytes` bytes written to it and counts the rest.
// client-node's Exec writes each stdout/stderr frame to a stream and ends the streams when
// the status frame arrives; hook output is bounded so a chatty command cannot fill memory.

import { StringDecoder } from 'node:string_decoder';
import { Writable } from 'node:stream';

export class BoundedOutput extends Writable {
  private readonly maxBytes: number;
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  private dropped = false;

  constructor(maxBytes: number) {
    super();
    this.maxBytes = Math.max(0, maxBytes);
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    const room = this.maxBytes - this.kept;
    if (chunk.length > room) this.dropped = true;
    if (room > 0) {
      const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
      this.chunks.push(Buffer.from(part)); // copy: the frame buffer may be reused
      this.kept += part.length;
    }
    callback();
  }

  get truncated(): boolean {
    return this.dropped;
  }

  /**
   * The kept bytes as UTF-8. A character cut in half by the bound is left out rather than
   * turned into U+FFFD (StringDecoder holds back an incomplete trailing sequence).
   */
  text(): string {
    const decoder = new StringDecoder('utf8');
    const all = Buffer.concat(this.chunks, this.kept);
    return this.dropped ? decoder.write(all) : decoder.write(all) + decoder.end();
  }
}
