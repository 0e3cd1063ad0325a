// An incremental Server-Sent Events parser (the WHATWG "event stream interpretation"):
// text chunks in, whole messages out. Chunks may split a line or a message anywhere; lines
// end in \n, \r\n or \r; `:` lines are comments (hookd's heartbeats); `retry:` is kept.

export interface SseMessage {
  /** The last `id:` seen so far in the stream (what Last-Event-ID resends), or null. */
  readonly id: string | null;
  readonly event: string;
  readonly data: string;
}

export interface SseParser {
  /** Feeds a chunk; returns the messages it completed. */
  push(chunk: string): SseMessage[];
  /** The reconnection delay the server asked for (`retry:`), or null. */
  readonly retryMs: number | null;
}

export function sseParser(): SseParser {
  let buffer = '';
  let lastId: string | null = null;
  let retryMs: number | null = null;
  let event = '';
  let data: string[] = [];
  let sawCr = false;

  const line = (l: string, out: SseMessage[]): void => {
    if (l === '') {
      // A blank line dispatches; a message without data is dropped (the spec's rule).
      if (data.length > 0) out.push({ id: lastId, event: event === '' ? 'message' : event, data: data.join('\n') });
      event = '';
      data = [];
      return;
    }
    if (l.startsWith(':')) return;
    const colon = l.indexOf(':');
    const field = colon < 0 ? l : l.slice(0, colon);
    let value = colon < 0 ? '' : l.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') data.push(value);
    else if (field === 'event') event = value;
    else if (field === 'id') {
      if (!value.includes('\0')) lastId = value;
    } else if (field === 'retry' && /^\d+$/.test(value)) retryMs = Number(value);
  };

  return {
    get retryMs() {
      return retryMs;
    },
    push(chunk) {
      const out: SseMessage[] = [];
      let text = chunk;
      // A \r\n split across chunks: the \n after a \r already counted as a line end.
      if (sawCr && text.startsWith('\n')) text = text.slice(1);
      sawCr = false;
      buffer += text;
      for (;;) {
        const m = /\r\n|\r|\n/.exec(buffer);
        if (m === null) break;
        if (m[0] === '\r' && m.index === buffer.length - 1) {
          sawCr = true;
        }
        line(buffer.slice(0, m.index), out);
        buffer = buffer.slice(m.index + m[0].length);
      }
      return out;
    },
  };
}
