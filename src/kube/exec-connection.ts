// Where and how an exec's WebSocket connects: the current cluster's server URL (a path
// prefix kept, as client-node keeps it) and the credentials and TLS settings client-node
// applies to any request (KubeConfig.applyToHTTPSOptions: bearer token from the user, an
// auth provider, an exec credential plugin or our tokenFile authenticator; CA, client
// certificate and key), with the shared TLS agent of exec-agent.ts.
//
// Applying them reads files (an in-cluster CA and token) and may call a credential plugin,
// so the result is kept for `ttlMs` (1 s by default) and shared by the execs of that second;
// a rotated token is therefore picked up at most that late, and a 401 drops it at once.
// Concurrent execs wait for one refresh instead of each starting their own (for at most
// STALE_REFRESH_MS: a hung one is then given up).

import type { RequestOptions } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import type { ClientOptions } from 'ws';
import { createExecAgents, type ExecTlsOptions } from './exec-agent.ts';
import { MAX_FRAME_BYTES } from './exec-frame.ts';

export interface ExecTarget {
  readonly namespace: string;
  readonly pod: string;
  readonly container: string;
  readonly command: readonly string[];
}

/** What an exec needs to open its socket: the server's exec URL prefix and the ws options. */
export interface ExecConnection {
  /** `wss://host[:port][/prefix]`, without a trailing slash. */
  readonly base: string;
  /** Shared by the execs that use this connection: ws copies what it changes. */
  readonly options: ClientOptions;
}

export interface ExecConnections {
  get(): Promise<ExecConnection>;
  /**
   * Forgets the kept credentials (the API server rejected them). With `rejected`, only if
   * those are still the kept ones: credentials kept or asked for since are newer.
   */
  invalidate(rejected?: ExecConnection): void;
}

/** The pods/exec URL of a hook's command: stdout and stderr, no stdin, no TTY (as Velero runs hooks). */
export function execUrl(base: string, t: ExecTarget): string {
  let query = '';
  for (const arg of t.command) query += `command=${encodeURIComponent(arg)}&`;
  return `${base}/api/v1/namespaces/${encodeURIComponent(t.namespace)}/pods/${encodeURIComponent(t.pod)}/exec?${query}container=${encodeURIComponent(t.container)}&stdout=true&stderr=true`;
}

/** The server URL as a WebSocket URL prefix: scheme switched, path prefix kept, no trailing slash. */
export function execBase(server: string): string {
  const url = new URL(server);
  const scheme = url.protocol === 'https:' ? 'wss:' : url.protocol === 'http:' ? 'ws:' : null;
  if (scheme === null) throw new Error(`the cluster's server URL must be http(s), not ${url.protocol}`);
  return `${scheme}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
}

/**
 * How long execs keep waiting on a refresh under way. A credential plugin can hang (client-node
 * gives it no time limit); each exec ends on its own deadline, but had they all joined that one
 * refresh for good, no exec would ever run again once the plugin answered again. Past this, the
 * next exec starts another (at most one new plugin run per this period while it hangs).
 */
const STALE_REFRESH_MS = 10_000;

export function createExecConnections(kc: KubeConfig, ttlMs = 1_000, now: () => number = Date.now): ExecConnections {
  const agents = createExecAgents();
  let kept: { connection: ExecConnection; until: number } | null = null;
  let refreshing: Promise<ExecConnection> | null = null;
  let refreshStarted = 0;
  let generation = 0;

  const refresh = async (): Promise<ExecConnection> => {
    const cluster = kc.getCurrentCluster();
    if (cluster === null) throw new Error('the kubeconfig has no current cluster');
    const base = execBase(cluster.server);
    const applied: RequestOptions = {};
    await kc.applyToHTTPSOptions(applied);
    const agent = agents.forOptions(applied) ?? applied.agent;
    const options: ClientOptions = {
      // client-node fills a plain object of strings (Authorization, Impersonate-User).
      headers: (applied.headers ?? {}) as Record<string, string>,
      // API servers do not compress exec streams; not offering it saves ws its deflate setup.
      perMessageDeflate: false,
      maxPayload: MAX_FRAME_BYTES,
      ...(agent instanceof Object ? { agent } : {}),
      ...(applied.auth !== undefined ? { auth: applied.auth } : {}),
      // Only reached when client-node's agent is not the shared one (a proxy): TLS material
      // for the connection that agent makes.
      ...(agent === applied.agent ? tlsOf(applied) : {}),
    };
    return { base, options };
  };

  return {
    get() {
      if (kept !== null && now() < kept.until) return Promise.resolve(kept.connection);
      if (refreshing !== null && now() - refreshStarted < STALE_REFRESH_MS) return refreshing;
      const mine = ++generation;
      refreshStarted = now();
      const p = refresh().then(
        (connection) => {
          if (generation === mine) {
            kept = ttlMs > 0 ? { connection, until: now() + ttlMs } : null;
            refreshing = null;
          }
          return connection;
        },
        (err: unknown) => {
          if (generation === mine) refreshing = null;
          throw err;
        },
      );
      refreshing = p;
      return p;
    },
    invalidate(rejected) {
      if (rejected !== undefined && kept?.connection !== rejected) return;
      generation++;
      kept = null;
      refreshing = null;
    },
  };
}

function tlsOf(o: ExecTlsOptions): Partial<ClientOptions> {
  const out: Record<string, unknown> = {};
  for (const k of ['ca', 'cert', 'key', 'pfx', 'passphrase', 'servername', 'rejectUnauthorized'] as const) if (o[k] !== undefined) out[k] = o[k];
  return out as Partial<ClientOptions>;
}
