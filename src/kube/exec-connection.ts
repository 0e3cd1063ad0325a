// Where and how an exec's WebSocket connects: the current cluster's server URL (a path
// prefix kept, as client-node keeps it), the credentials client-node applies to any request,
// kept by credentials.ts (1 s by default; a 401 drops those it was sent with; a refresh that
// hangs is given up), and the shared TLS agent of exec-agent.ts.

import type { KubeConfig } from '@kubernetes/client-node';
import type { ClientOptions } from 'ws';
import { keepCredentials, type KeptCredentials } from './credentials.ts';
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

/** get(), and invalidate(rejected) after a 401 (only if those are still the kept ones). */
export type ExecConnections = KeptCredentials<ExecConnection>;

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

export function createExecConnections(kc: KubeConfig, ttlMs = 1_000, now: () => number = Date.now): ExecConnections {
  const agents = createExecAgents();
  return keepCredentials(
    kc,
    (applied): ExecConnection => {
      const cluster = kc.getCurrentCluster();
      if (cluster === null) throw new Error('the kubeconfig has no current cluster');
      const base = execBase(cluster.server);
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
    },
    { ttlMs, clock: now },
  );
}

function tlsOf(o: ExecTlsOptions): Partial<ClientOptions> {
  const out: Record<string, unknown> = {};
  for (const k of ['ca', 'cert', 'key', 'pfx', 'passphrase', 'servername', 'rejectUnauthorized'] as const) if (o[k] !== undefined) out[k] = o[k];
  return out as Partial<ClientOptions>;
}
