// Following a job to its end through GET /v1/jobs/{id}/events: `hook` events as
// hooks change, then `done`. A stream that breaks before `done` (hookd restarted, a proxy
// cut it) is opened again with Last-Event-ID, after the delay the server asked for, so no
// change is missed or shown twice; a 204 on reconnecting means the job ended and nothing was
// missed.

import type { HookdClient } from './client.ts';
import { TransportError } from './client.ts';
import type { DoneEvent, HookEvent } from './progress.ts';
import { sseParser } from './sse-parser.ts';

export interface FollowOptions {
  readonly onHook: (e: HookEvent) => void;
  readonly signal?: AbortSignal;
  /** Reconnections in a row without any event before giving up. */
  readonly maxReconnects?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

const DEFAULT_RETRY_MS = 2000;

function parseJson(data: string, what: string): unknown {
  try {
    return JSON.parse(data) as unknown;
  } catch {
    throw new TransportError(`the event stream sent a ${what} event that is not JSON`);
  }
}

/** Resolves with the `done` event, or null when a reconnect found the job ended (204). */
export async function followJob(client: HookdClient, id: string, opts: FollowOptions): Promise<DoneEvent | null> {
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const maxReconnects = opts.maxReconnects ?? 5;
  const signal = opts.signal ?? new AbortController().signal;
  let lastEventId: string | null = null;
  let failures = 0;
  let retryMs = DEFAULT_RETRY_MS;
  for (;;) {
    let progressed = false;
    let streamError: unknown = null;
    try {
      const res = await client.events(id, lastEventId, signal);
      if (res === null) return null;
      if (res.body === null) throw new TransportError('the event stream has no body');
      const parser = sseParser();
      const decoder = new TextDecoder();
      // for await over a web ReadableStream (Node >= 18).
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        for (const m of parser.push(decoder.decode(chunk, { stream: true }))) {
          lastEventId = m.id ?? lastEventId;
          progressed = true;
          if (m.event === 'hook') opts.onHook(parseJson(m.data, 'hook') as HookEvent);
          // Leaving the loop cancels the body, which closes the connection.
          else if (m.event === 'done') return parseJson(m.data, 'done') as DoneEvent;
        }
        retryMs = parser.retryMs ?? retryMs;
      }
    } catch (err) {
      // An ApiError (404, 403...) or the caller's abort is final; a broken stream is retried.
      if (!(err instanceof TransportError) && !isStreamBreak(err)) throw err;
      if (opts.signal?.aborted) throw err;
      streamError = err;
    }
    failures = progressed ? 0 : failures + 1;
    if (failures > maxReconnects) {
      throw streamError instanceof Error ? streamError : new TransportError(`the event stream of job ${id} kept ending before the job did`);
    }
    await sleep(retryMs);
  }
}

/** A body that broke while being read (a socket closed under it). */
function isStreamBreak(err: unknown): boolean {
  const e = err as { name?: string; code?: string };
  return e.name === 'TypeError' || e.code === 'UND_ERR_SOCKET' || e.code === 'ECONNRESET';
}
