// The first `maxBytes` bytes of one of an exec's output streams, and whether more came. Hook
// output is bounded so a chatty command cannot fill memory. A plain collector, not a stream:
// the exec's frames are handed to it one by one.

import { StringDecoder } from 'node:string_decoder';

export class BoundedOutput {
  private readonly maxBytes: number;
  // One buffer, grown by doubling up to maxBytes, rather than a Buffer per frame: a frame
  // can be one byte long, and a Buffer object costs ~100 bytes of heap, so output sent byte
  // by byte would otherwise hold a hundred times its bound.
  private buf: Buffer = Buffer.alloc(0);
  private kept = 0;
  private dropped = false;

  constructor(maxBytes: number) {
    this.maxBytes = Math.max(0, maxBytes);
  }

  write(chunk: Buffer): void {
    const room = this.maxBytes - this.kept;
    if (chunk.length > room) this.dropped = true;
    const n = Math.min(chunk.length, room);
    if (n <= 0) return;
    if (this.kept + n > this.buf.length) {
      // A copy, never a view: a frame is a view into ws's read buffer, which would otherwise be kept whole.
      const grown = Buffer.allocUnsafe(Math.min(this.maxBytes, Math.max(this.kept + n, 2 * this.buf.length, 256)));
      this.buf.copy(grown, 0, 0, this.kept);
      this.buf = grown;
    }
    chunk.copy(this.buf, this.kept, 0, n);
    this.kept += n;
  }

  get truncated(): boolean {
    return this.dropped;
  }

  /**
   * The kept bytes as UTF-8. A character cut in half by the bound is left out rather than
   * turned into U+FFFD (StringDecoder holds back an incomplete trailing sequence).
   */
  text(): string {
    if (this.kept === 0) return '';
    const decoder = new StringDecoder('utf8');
    const all = this.buf.subarray(0, this.kept);
    return this.dropped ? decoder.write(all) : decoder.write(all) + decoder.end();
  }
}
