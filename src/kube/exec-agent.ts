// Without an agent of our own, each exec's WebSocket would pay a full TLS handshake and parse
// the cluster CA into a new SecureContext. One agent per distinct TLS identity (CA, client
// certificate, key, server name) keeps a single SecureContext and caches TLS sessions, so
// later execs resume the session instead of a full handshake.
// The identity is the key, read from the options client-node computed for this exec (not
// from its cached agent, whose options are those of its first use): rotated client
// certificates (an exec credential plugin) simply get a new agent.

import { createHash } from 'node:crypto';
import { Agent, type RequestOptions } from 'node:https';
import { createSecureContext } from 'node:tls';

/** The TLS part of what KubeConfig.applyToHTTPSOptions fills in. */
export type ExecTlsOptions = Pick<RequestOptions, 'agent' | 'ca' | 'cert' | 'key' | 'pfx' | 'passphrase' | 'servername' | 'rejectUnauthorized'>;

/**
 * The key of a TLS identity: what decides the connection's SecureContext and whom it
 * trusts. Shared by every agent cache of the API server's clients (exec, JSON writes).
 */
export function tlsIdentityKey(o: Pick<RequestOptions, 'ca' | 'cert' | 'key' | 'pfx' | 'passphrase' | 'servername' | 'rejectUnauthorized'>): string {
  const h = createHash('sha256');
  for (const p of [o.ca, o.cert, o.key, o.pfx, o.passphrase, o.servername, o.rejectUnauthorized]) {
    const items: readonly unknown[] = Array.isArray(p) ? p : [p];
    for (const item of items) h.update(item === undefined ? '\u0000' : Buffer.isBuffer(item) ? item : JSON.stringify(item)).update('\u0001');
    h.update('\u0002');
  }
  return h.digest('hex');
}

export interface ExecAgents {
  /**
   * The shared agent for these TLS options; null when client-node's own agent is not a plain
   * https one (a proxy agent, plain http), which is then used as it is.
   */
  forOptions(o: ExecTlsOptions): Agent | null;
}

export function createExecAgents(maxAgents = 8): ExecAgents {
  const agents = new Map<string, Agent>();
  return {
    forOptions(o) {
      if (!(o.agent instanceof Agent)) return null;
      const key = tlsIdentityKey(o);
      let shared = agents.get(key);
      if (shared === undefined) {
        const secureContext = createSecureContext({ ca: o.ca, cert: o.cert, key: o.key, pfx: o.pfx, passphrase: o.passphrase });
        // The material itself stays out of the agent's options: the SecureContext carries it,
        // and the agent would otherwise stringify it into every request's pool name.
        shared = new Agent({
          secureContext,
          ...(o.servername !== undefined ? { servername: o.servername } : {}),
          ...(o.rejectUnauthorized !== undefined ? { rejectUnauthorized: o.rejectUnauthorized } : {}),
          keepAlive: false,
          maxCachedSessions: 256,
        });
        if (agents.size >= maxAgents) {
          // Forgotten, not destroyed: destroy() would cut the sockets of execs still running
          // through it (a long hook while a plugin rotates client certificates). With
          // keepAlive off it holds no idle sockets; it goes once its last exec has ended.
          const oldest = agents.keys().next().value;
          if (oldest !== undefined) agents.delete(oldest);
        }
        agents.set(key, shared);
      }
      return shared;
    },
  };
}
