// client-node builds a new https.Agent for every exec, so each exec's WebSocket pays a full
// TLS handshake and parses the cluster CA into a new SecureContext. One agent per distinct
// TLS identity (CA, client certificate, key, server name) keeps a single SecureContext and
// caches TLS sessions, so later execs resume the session instead of a full handshake.
// The identity is the key: rotated client certificates (an exec credential plugin) simply
// get a new agent.

import { createHash } from 'node:crypto';
import { Agent, type AgentOptions } from 'node:https';
import { createSecureContext } from 'node:tls';

type TlsMaterial = string | Buffer | Array<string | Buffer> | undefined;

function fingerprint(parts: readonly unknown[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p === undefined ? '\u0000' : Buffer.isBuffer(p) ? p : JSON.stringify(p)).update('\u0001');
  return h.digest('hex');
}

export interface ExecAgents {
  /** The shared agent for the TLS options client-node computed for this exec, or null when they are not TLS options. */
  forOptions(agent: unknown): Agent | null;
}

export function createExecAgents(maxAgents = 8): ExecAgents {
  const agents = new Map<string, Agent>();
  return {
    forOptions(agent) {
      if (!(agent instanceof Agent)) return null;
      const o = agent.options as AgentOptions & { ca?: TlsMaterial; cert?: TlsMaterial; key?: TlsMaterial };
      const key = fingerprint([o.ca, o.cert, o.key, o.pfx, o.passphrase, o.servername, o.rejectUnauthorized]);
      let shared = agents.get(key);
      if (shared === undefined) {
        const secureContext = createSecureContext({ ca: o.ca, cert: o.cert, key: o.key, pfx: o.pfx, passphrase: o.passphrase });
        shared = new Agent({ ...o, secureContext, keepAlive: false, maxCachedSessions: 256 });
        if (agents.size >= maxAgents) {
          const oldest = agents.keys().next().value;
          if (oldest !== undefined) {
            agents.get(oldest)?.destroy();
            agents.delete(oldest);
          }
        }
        agents.set(key, shared);
      }
      return shared;
    },
  };
}
