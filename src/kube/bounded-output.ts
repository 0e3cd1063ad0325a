// The first `maxBytes` bytes of one of an exec's output streams, and whether more came. Hook
// output is bounded so a chatty command cannot fill memory. A plain collector, not a stream:
// the exec's frames are handed to it one by one.

import { StringDecoder } from 'node:string_decoder';

export class BoundedOutput {
  private readonly maxBytes: number;
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  private dropped = false;

  constructor(maxBytes: number) {
    this.maxBytes = Math.max(0, maxBytes);
  }

  write(chunk: Buffer): void {
    const room = this.maxBytes - this.kept;
    if (chunk.length > room) this.dropped = true;
    if (room > 0) {
      const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
      // A copy: a frame is a view into ws's read buffer, which would otherwise be kept whole.
      this.chunks.push(Buffer.from(part));
      this.kept += part.length;
    }
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
    const all = Buffer.concat(this.chunks, this.kept);
    return this.dropped ? decoder.write(all) : decoder.write(all) + decoder.end();
  }
}
