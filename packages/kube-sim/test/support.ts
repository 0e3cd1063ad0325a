// Small helpers shared by the sim tests: reading client-node's ApiException, running an
// exec to its status frame, and waiting for a watch event instead of sleeping.

import { Writable, type Readable } from 'node:stream';
import { ApiException, Exec, Watch, type KubeConfig, type V1Pod, type V1Status } from '@kubernetes/client-node';

export interface StatusBody {
  kind?: string;
  status?: string;
  reason?: string;
  code?: number;
  message?: string;
  details?: { causes?: Array<{ reason?: string; message?: string; field?: string }>; retryAfterSeconds?: number };
}

/** Runs `fn`, expects an ApiException, returns its code, body (a v1 Status) and headers. */
export async function apiError(fn: () => Promise<unknown>): Promise<{ code: number; body: StatusBody; headers: Record<string, string> }> {
  try {
    await fn();
  } catch (err) {
    if (!(err instanceof ApiException)) throw err;
    const raw: unknown = err.body;
    const body = (typeof raw === 'string' ? JSON.parse(raw) : raw) as StatusBody;
    return { code: err.code, body, headers: err.headers as Record<string, string> };
  }
  throw new Error('expected an ApiException');
}

export interface ExecOutcome {
  status: V1Status | null;
  stdout: string;
  stderr: string;
  /** WebSocket close code. */
  closeCode: number;
}

function sink(onData: (s: string) => void): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      onData(chunk.toString('utf8'));
      cb();
    },
  });
}

/** Runs one exec through client-node's Exec and resolves when the socket closes. */
export async function runExec(
  kc: KubeConfig,
  namespace: string,
  pod: string,
  container: string,
  command: string[],
  stdin: Readable | null = null,
): Promise<ExecOutcome> {
  let stdout = '';
  let stderr = '';
  let status: V1Status | null = null;
  const ws = await new Exec(kc).exec(
    namespace,
    pod,
    container,
    command,
    sink((s) => (stdout += s)),
    sink((s) => (stderr += s)),
    stdin,
    false,
    (s) => {
      status = s;
    },
  );
  const closeCode = await new Promise<number>((resolve) => {
    if (ws.readyState === ws.CLOSED) resolve(1006);
    ws.on('close', (code: number) => resolve(code));
  });
  return { status, stdout, stderr, closeCode };
}

export interface WatchEvent {
  type: string;
  object: V1Pod & { metadata?: { resourceVersion?: string } };
}

/** Collects a watch's events; `next(pred)` resolves with the first (past or future) event that matches. */
export async function collectWatch(kc: KubeConfig, path: string, query: Record<string, string | number | boolean>) {
  const events: WatchEvent[] = [];
  const waiters: Array<{ pred: (e: WatchEvent) => boolean; resolve: (e: WatchEvent) => void }> = [];
  let doneResolve: (err: unknown) => void = () => {};
  const done = new Promise<unknown>((r) => (doneResolve = r));
  const controller = await new Watch(kc).watch(
    path,
    query,
    (type: string, object: WatchEvent['object']) => {
      const e = { type, object };
      events.push(e);
      for (const w of [...waiters]) {
        if (w.pred(e)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(e);
        }
      }
    },
    (err: unknown) => doneResolve(err ?? null),
  );
  return {
    events,
    done,
    abort: () => controller.abort(),
    next(pred: (e: WatchEvent) => boolean, timeoutMs = 5000): Promise<WatchEvent> {
      const seen = events.find(pred);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching watch event in ${timeoutMs} ms; got ${events.map((e) => e.type).join(',')}`)), timeoutMs);
        waiters.push({
          pred,
          resolve: (e) => {
            clearTimeout(timer);
            resolve(e);
          },
        });
      });
    },
  };
}

export function podManifest(name: string, opts: { containers?: string[]; labels?: Record<string, string>; manual?: boolean } = {}): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      ...(opts.labels ? { labels: opts.labels } : {}),
      ...(opts.manual ? { annotations: { 'sim.hookd.io/lifecycle': 'manual' } } : {}),
    },
    spec: { containers: (opts.containers ?? ['app']).map((c) => ({ name: c, image: 'busybox:1.36' })) },
  };
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: () => unknown;
}

/** One HTTPS request to the sim without client-node, trusting its generated CA. */
export async function rawRequest(
  sim: { url: string; ca: string; token: string },
  method: string,
  path: string,
  opts: { headers?: Record<string, string>; body?: string | Buffer; token?: string | null } = {},
): Promise<RawResponse> {
  const { request } = await import('node:https');
  const token = opts.token === undefined ? sim.token : opts.token;
  return new Promise((resolve, reject) => {
    const req = request(
      `${sim.url}${path}`,
      { method, ca: sim.ca, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...opts.headers } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) as unknown }));
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}
