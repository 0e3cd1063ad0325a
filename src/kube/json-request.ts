// A lean JSON client for the API server, for hot paths where client-node's generated API
// costs more than the request: its undici fetch, web streams and ObjectSerializer
// (media-type parsing, model (de)serialization of the whole answer). Writes (the hooks'
// Events): about 0.4 ms of CPU per Event write through client-node. Reads (pod lists and
// GETs of the pod watch): ObjectSerializer turns every pod of a list into model objects,
// ~0.07 ms of CPU per pod, and the pod views hookd keeps read the plain JSON just as well.
// Here a request is node:http(s) `request` over a keep-alive agent, a body the caller made
// with JSON.stringify, and an answer read only as far as needed: for a write the status
// code, for a read the JSON (bounded in size), and on an error the Status message (a few
// KiB at most).
//
// Credentials and TLS are those client-node applies to its own calls (the bearer token:
// static, exec plugin or our tokenFile authenticator; client certificate, CA, server name),
// kept by credentials.ts: applied again after a short time, so rotated tokens and
// certificates are picked up, and at once after a 401 on the kept ones; a credential plugin
// that hangs is given up, and a request waits for credentials only within its own deadline
// and until its abort signal fires.
// One agent per TLS identity (tls-agents.ts) keeps sockets and TLS sessions; an identity
// that rotates away gets a new agent and the old one's sockets close once their writes are
// done and they are idle.

import type { ClientRequest, IncomingMessage, RequestOptions } from 'node:http';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest, type AgentOptions } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { keepCredentials, type AppliedOptions } from './credentials.ts';
import { codeForStatus, KubeError, statusMessage, toKubeError } from './errors.ts';
import { createTlsAgents } from './tls-agents.ts';

export interface JsonClientOptions {
  /** Deadline of one request, from send() or get() to the end of its answer: waiting for credentials included (get() may set its own). */
  readonly timeoutMs?: number;
  /** Sockets per TLS identity (requests beyond it wait for one, within their deadline). */
  readonly maxSockets?: number;
  /** How long applied credentials are reused before KubeConfig is asked again. */
  readonly credentialsTtlMs?: number;
  readonly clock?: () => number;
  /** The largest answer get() reads. Default 32 MiB (a page of 500 pods is a few MiB). */
  readonly maxReadBytes?: number;
}

/** A read's answer was larger than the client reads (maxReadBytes): a list can ask for smaller pages. */
export class AnswerTooLargeError extends KubeError {
  constructor(what: string, maxBytes: number, status: number) {
    super('KUBE_ERROR', `${what}: the answer is larger than ${maxBytes} bytes`, status);
  }
}

export interface JsonClient {
  /**
   * Sends `body` (JSON text) with `method` to `path` (below the server URL's own path) and
   * resolves once the API server answered 2xx. Rejects with a KubeError: the code of the
   * HTTP status with the Status message, KUBE_TIMEOUT after the deadline (credentials not
   * applied by then, or no answer), or what toKubeError makes of a connection failure or
   * of credentials that could not be applied.
   */
  send(method: 'POST' | 'PATCH' | 'PUT', path: string, contentType: string, body: string, what: string): Promise<void>;
  /**
   * GETs `path` and resolves with its JSON answer, parsed, once the API server answered 2xx.
   * Rejects as send() does (the deadline is opts.timeoutMs, else the client's), with a
   * KubeError KUBE_ERROR for an answer over maxReadBytes (AnswerTooLargeError) or not JSON,
   * and with the signal's reason when `signal` aborts (also while the request still waits
   * for credentials). A 401 is tried once more: the credentials it was sent with are dropped
   * and applied again (a token rotated within their kept second).
   */
  get(path: string, what: string, opts?: { readonly signal?: AbortSignal | undefined; readonly timeoutMs?: number }): Promise<unknown>;
  /** Closes the kept sockets; later sends open new ones. */
  close(): void;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_CREDENTIALS_TTL_MS = 1_000;
/** An error answer is read this far for its Status message; the rest is drained unread. */
const MAX_ERROR_BODY = 4096;
const DEFAULT_MAX_READ_BYTES = 32 * 1024 * 1024;
/**
 * Idle kept sockets are closed after this long, as undici does by default (4 s): an API
 * server or load balancer that drops idle connections first would make the next write on
 * that socket fail with a reset.
 */
const IDLE_SOCKET_MS = 4_000;
const MAX_AGENTS = 4;

interface Target {
  readonly https: boolean;
  readonly hostname: string;
  readonly port: number;
  /** The server URL's path without a trailing slash ('' for none): API paths go below it. */
  readonly prefix: string;
}

interface Exchange {
  readonly method: string;
  readonly path: string;
  readonly what: string;
  readonly timeoutMs: number;
  readonly read: boolean;
  readonly contentType?: string;
  readonly body?: string;
  readonly signal?: AbortSignal | undefined;
}

interface Credentials {
  readonly headers: Record<string, string>;
  readonly auth: string | undefined;
  readonly agent: HttpAgent;
}

function targetOf(server: string): Target {
  const url = new URL(server);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new KubeError('KUBE_ERROR', `unsupported API server URL ${server}`);
  const https = url.protocol === 'https:';
  return {
    https,
    // URL keeps IPv6 literals in brackets; http.request wants the bare address.
    hostname: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port === '' ? (https ? 443 : 80) : Number(url.port),
    prefix: url.pathname.replace(/\/+$/, ''),
  };
}

function headerValues(headers: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof headers !== 'object' || headers === null) return out;
  for (const [k, v] of Object.entries(headers as Record<string, unknown>)) if (v !== undefined && v !== null) out[k] = String(v);
  return out;
}

export function createJsonClient(kc: KubeConfig, opts: JsonClientOptions = {}): JsonClient {
  const cluster = kc.getCurrentCluster();
  if (cluster === null) throw new KubeError('KUBE_ERROR', 'the kubeconfig has no current cluster');
  const target = targetOf(cluster.server);
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxSockets = opts.maxSockets ?? 4;
  const ttlMs = opts.credentialsTtlMs ?? DEFAULT_CREDENTIALS_TTL_MS;
  const clock = opts.clock ?? Date.now;
  const maxReadBytes = opts.maxReadBytes ?? DEFAULT_MAX_READ_BYTES;
  const send = target.https ? httpsRequest : httpRequest;
  const base = { keepAlive: true, maxSockets, maxFreeSockets: maxSockets, timeout: IDLE_SOCKET_MS, scheduling: 'lifo' as const };
  let plain: HttpAgent | null = null;
  const tlsAgents = createTlsAgents((o) => {
    const tls: AgentOptions = { ca: o.ca, cert: o.cert, key: o.key, pfx: o.pfx, passphrase: o.passphrase, servername: o.servername };
    // Left out when not configured: node then follows NODE_TLS_REJECT_UNAUTHORIZED, as client-node does.
    if (o.rejectUnauthorized !== undefined) tls.rejectUnauthorized = o.rejectUnauthorized;
    return new HttpsAgent({ ...base, ...tls });
  }, MAX_AGENTS);
  const agentFor = (o: AppliedOptions): HttpAgent => (target.https ? tlsAgents.forIdentity(o) : (plain ??= new HttpAgent(base)));
  const credentials = keepCredentials(
    kc,
    (o): Credentials => {
      const { Authorization, authorization, ...rest } = headerValues(o.headers);
      const bearer = Authorization ?? authorization;
      return {
        headers: bearer === undefined ? rest : { ...rest, Authorization: bearer },
        auth: o.auth ?? undefined,
        agent: agentFor(o),
      };
    },
    { ttlMs, clock },
  );

  /**
   * The credentials, waited for within the request's deadline and until its signal aborts: a
   * credential plugin that hangs must not hold the request, and the caller's slot for it, for
   * good, nor a stop (an informer's) that aborts the request until that deadline. An abort
   * rejects with the signal's reason, as one while the request is in flight does; a request
   * aborted before it starts runs no plugin.
   */
  const credentialsFor = (what: string, ms: number, signal: AbortSignal | undefined): Promise<Credentials> =>
    new Promise<Credentials>((resolve, reject) => {
      if (signal?.aborted === true) {
        reject(signal.reason);
        return;
      }
      const settle = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const onAbort = (): void => {
        settle();
        reject(signal?.reason);
      };
      const timer = setTimeout(() => {
        settle();
        reject(new KubeError('KUBE_TIMEOUT', `${what}: no credentials within ${ms} ms (the kubeconfig's credential plugin has not answered)`));
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
      credentials.get().then(
        (c) => {
          settle();
          resolve(c);
        },
        (err: unknown) => {
          settle();
          reject(toKubeError(err, what));
        },
      );
    });

  /** One request. `read`: the 2xx answer is parsed and resolved; else drained and undefined. */
  const exchange = (c: Credentials, ms: number, r: Exchange): Promise<unknown> =>
    new Promise<unknown>((resolve, reject) => {
      const { what, signal } = r;
      let settled = false;
      let req: ClientRequest | null = null;
      const finish = (err: unknown, value?: unknown): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (err === null) resolve(value);
        else reject(err);
      };
      const timer = setTimeout(() => {
        finish(new KubeError('KUBE_TIMEOUT', `${what}: no answer within ${r.timeoutMs} ms`));
        req?.destroy();
      }, ms);
      const onAbort = (): void => {
        finish(signal?.reason);
        req?.destroy();
      };
      if (signal?.aborted === true) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      const onResponse = (res: IncomingMessage): void => {
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300 && !r.read) {
          // The created or patched object is not needed: drained unread so the socket is reused.
          res.on('end', () => finish(null));
          res.on('error', (err) => finish(toKubeError(err, what)));
          res.resume();
          return;
        }
        if (status >= 200 && status < 300) {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > maxReadBytes) {
              finish(new AnswerTooLargeError(what, maxReadBytes, status));
              res.destroy();
              return;
            }
            chunks.push(chunk);
          });
          res.on('end', () => {
            if (settled) return;
            try {
              finish(null, JSON.parse(Buffer.concat(chunks, size).toString('utf8')));
            } catch {
              finish(new KubeError('KUBE_ERROR', `${what}: the answer is not JSON`, status));
            }
          });
          res.on('error', (err) => finish(toKubeError(err, what)));
          return;
        }
        // A rotated token: the next request applies credentials again, unless a 401 before this
        // one already did (every request sent with the old token answers 401).
        if (status === 401) credentials.invalidate(c);
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          if (size >= MAX_ERROR_BODY) return;
          chunks.push(chunk);
          size += chunk.length;
        });
        const fail = (): void => {
          const text = Buffer.concat(chunks).subarray(0, MAX_ERROR_BODY).toString('utf8');
          finish(new KubeError(codeForStatus(status), `${what}: ${statusMessage(text) ?? `HTTP ${status}`}`, status));
        };
        res.on('end', fail);
        res.on('error', fail);
      };
      const headers: Record<string, string | number> = { ...c.headers, Accept: 'application/json' };
      if (r.body !== undefined) {
        headers['Content-Type'] = r.contentType ?? 'application/json';
        headers['Content-Length'] = Buffer.byteLength(r.body);
      }
      const options: RequestOptions = { hostname: target.hostname, port: target.port, path: target.prefix + r.path, method: r.method, headers, agent: c.agent };
      if (c.auth !== undefined) options.auth = c.auth;
      try {
        req = send(options, onResponse);
      } catch (err) {
        finish(toKubeError(err, what));
        return;
      }
      req.on('error', (err) => finish(toKubeError(err, what)));
      req.end(r.body);
    });

  /** Credentials, then the request, both within one deadline. */
  const request = async (r: Exchange): Promise<unknown> => {
    const started = performance.now();
    const c = await credentialsFor(r.what, r.timeoutMs, r.signal);
    return exchange(c, Math.max(0, r.timeoutMs - (performance.now() - started)), r);
  };

  return {
    async send(method, path, contentType, body, what) {
      await request({ method, path, contentType, body, what, timeoutMs, read: false });
    },
    async get(path, what, o = {}) {
      const r: Exchange = { method: 'GET', path, what, timeoutMs: o.timeoutMs ?? timeoutMs, read: true, signal: o.signal };
      try {
        return await request(r);
      } catch (err) {
        if (!(err instanceof KubeError && err.code === 'KUBE_UNAUTHORIZED')) throw err;
        return request(r);
      }
    },
    close() {
      tlsAgents.destroy();
      plain?.destroy();
      plain = null;
      credentials.invalidate();
    },
  };
}
