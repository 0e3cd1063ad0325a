// hookd's HTTP API as the plugin calls it: fetch with the bearer token, a timeout
// per request, and every 4xx/5xx turned into an ApiError carrying the body's stable `code`
// and `message`, which the plugin prints as kubectl prints a server's error.

import type { DryRunView } from '../domain/dry-run.ts';
import type { JobStatus } from '../domain/types.ts';
import type { JobSummaryView, JobView } from '../domain/views.ts';

/** A 4xx/5xx answer: its status and the body's code and message. */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** hookd could not be reached, or answered something that is not its API. */
export class TransportError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransportError';
  }
}

export interface JobCreated {
  readonly id: string;
  readonly status: JobStatus;
}

export interface JobsPage {
  readonly jobs: readonly JobSummaryView[];
  readonly nextCursor: string | null;
}

export interface SubmitOptions {
  readonly dryRun: boolean;
  readonly failFast: boolean;
  readonly idempotencyKey: string | null;
}

export interface ClientOptions {
  readonly server: string;
  readonly token: string | null;
  /** 0: no limit. Never applied to an event stream, which lasts as long as its job. */
  readonly timeoutMs: number;
  readonly fetch?: typeof fetch;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The one check made of every answer: an object with the field the caller reads first. */
function expect<T>(body: unknown, field: string, what: string): T {
  if (!isRecord(body) || !(field in body)) throw new TransportError(`hookd answered something that is not ${what}`);
  return body as T;
}

export function createClient(opts: ClientOptions) {
  const base = opts.server.replace(/\/+$/, '');
  const doFetch = opts.fetch ?? fetch;
  const headers = (extra: Record<string, string> = {}): Record<string, string> => ({
    accept: 'application/json',
    ...(opts.token === null ? {} : { authorization: `Bearer ${opts.token}` }),
    ...extra,
  });

  async function send(method: string, path: string, init: { body?: unknown; headers?: Record<string, string>; stream?: boolean; signal?: AbortSignal } = {}): Promise<Response> {
    const signals: AbortSignal[] = [];
    if (init.signal) signals.push(init.signal);
    if (!init.stream && opts.timeoutMs > 0) signals.push(AbortSignal.timeout(opts.timeoutMs));
    let res: Response;
    try {
      res = await doFetch(`${base}${path}`, {
        method,
        headers: headers({ ...(init.body === undefined ? {} : { 'content-type': 'application/json' }), ...init.headers }),
        ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
        ...(signals.length === 0 ? {} : { signal: AbortSignal.any(signals) }),
        redirect: 'error',
      });
    } catch (err) {
      const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
      if (e.name === 'TimeoutError') throw new TransportError(`${method} ${base}${path}: no answer within ${opts.timeoutMs} ms`, { cause: err });
      if (e.name === 'AbortError') throw err;
      const why = e.cause?.code ?? e.cause?.message ?? e.message ?? String(err);
      throw new TransportError(`cannot reach hookd at ${base}: ${why}`, { cause: err });
    }
    if (res.status >= 400) throw await apiError(res);
    return res;
  }

  async function json(method: string, path: string, init: { body?: unknown; headers?: Record<string, string> } = {}): Promise<unknown> {
    const res = await send(method, path, init);
    const text = await res.text();
    if (text === '') return null;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new TransportError(`${method} ${base}${path}: the answer (${res.status}) is not JSON`);
    }
  }

  function query(params: Record<string, string | number | boolean | null>): string {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v !== null && v !== false) q.set(k, String(v));
    const s = q.toString();
    return s === '' ? '' : `?${s}`;
  }

  const submitHeaders = (o: SubmitOptions): Record<string, string> => (o.idempotencyKey === null ? {} : { 'idempotency-key': o.idempotencyKey });
  const job = (id: string): string => `/v1/jobs/${encodeURIComponent(id)}`;

  return {
    server: base,

    /** POST /v1/jobs: a JobCreated, or with dryRun what would run. */
    async submit(body: Record<string, unknown>, o: SubmitOptions): Promise<JobCreated | DryRunView> {
      const b = await json('POST', `/v1/jobs${query({ dryRun: o.dryRun })}`, { body, headers: submitHeaders(o) });
      return expect(b, o.dryRun ? 'dryRun' : 'id', o.dryRun ? 'a dry run' : 'a job');
    },

    /** POST /v1/velero/restores/{namespace}/{name}/jobs. */
    async submitRestore(namespace: string, name: string, o: SubmitOptions): Promise<JobCreated | DryRunView> {
      const path = `/v1/velero/restores/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}/jobs${query({ dryRun: o.dryRun, failFast: o.failFast })}`;
      const b = await json('POST', path, { headers: submitHeaders(o) });
      return expect(b, o.dryRun ? 'dryRun' : 'id', o.dryRun ? 'a dry run' : 'a job');
    },

    async job(id: string): Promise<JobView> {
      return expect(await json('GET', job(id)), 'pods', 'a job');
    },

    async jobSummary(id: string): Promise<JobSummaryView> {
      return expect(await json('GET', `${job(id)}?view=summary`), 'summary', 'a job');
    },

    async listJobs(q: { restore: string | null; status: string | null; limit: number | null; cursor: string | null }): Promise<JobsPage> {
      return expect(await json('GET', `/v1/jobs${query(q)}`), 'jobs', 'a list of jobs');
    },

    async cancel(id: string): Promise<JobCreated> {
      return expect(await json('DELETE', job(id)), 'id', 'a job');
    },

    /** GET /v1/jobs/{id}/events: the raw stream (200), or null for 204 (ended, and nothing missed). */
    async events(id: string, lastEventId: string | null, signal: AbortSignal): Promise<Response | null> {
      const res = await send('GET', `${job(id)}/events`, {
        stream: true,
        signal,
        headers: { accept: 'text/event-stream', ...(lastEventId === null ? {} : { 'last-event-id': lastEventId }) },
      });
      if (res.status === 204) return null;
      if (!(res.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
        throw new TransportError(`GET ${base}${job(id)}/events: not an event stream (${res.headers.get('content-type') ?? 'no content type'})`);
      }
      return res;
    },
  };
}

export type HookdClient = ReturnType<typeof createClient>;

async function apiError(res: Response): Promise<ApiError> {
  const text = await res.text().catch(() => '');
  try {
    const b = JSON.parse(text) as unknown;
    if (isRecord(b) && typeof b['code'] === 'string' && typeof b['message'] === 'string') return new ApiError(res.status, b['code'], b['message']);
  } catch {
    // not JSON: a proxy's page, say; shown by its status and start
  }
  const snippet = text.replace(/\s+/g, ' ').trim().slice(0, 200);
  return new ApiError(res.status, `HTTP ${res.status}`, snippet === '' ? res.statusText : snippet);
}
