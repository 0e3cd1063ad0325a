// One node:https Agent per TLS identity (CA, client certificate, key, server name), for the
// API server's clients (the exec WebSockets, the JSON writer): an agent keeps its TLS
// sessions (and, with keep-alive, its sockets), so later requests skip a full handshake.
// The identity is read from the options KubeConfig.applyToHTTPSOptions computed for this
// request, not from client-node's cached agent (whose options are those of its first use):
// rotated client certificates (an exec credential plugin) get a new agent.
//
// A bounded number is kept. The oldest identity is the one rotated away from; its agent is
// forgotten, not destroyed (that would cut the requests still running on it, such as a long
// exec): its sockets close once their requests are done (and, with keep-alive, once idle
// for the agent's socket timeout), and the agent goes with them.

import { createHash } from 'node:crypto';
import type { Agent, RequestOptions } from 'node:https';

/** The TLS part of what KubeConfig.applyToHTTPSOptions fills in: what decides the SecureContext and whom it trusts. */
export type TlsIdentity = Pick<RequestOptions, 'ca' | 'cert' | 'key' | 'pfx' | 'passphrase' | 'servername' | 'rejectUnauthorized'>;

/** The key of a TLS identity: a hash of its seven options, Buffers by their bytes. */
export function tlsIdentityKey(o: TlsIdentity): string {
  const h = createHash('sha256');
  for (const p of [o.ca, o.cert, o.key, o.pfx, o.passphrase, o.servername, o.rejectUnauthorized]) {
    const items: readonly unknown[] = Array.isArray(p) ? p : [p];
    for (const item of items) h.update(item === undefined ? '\u0000' : Buffer.isBuffer(item) ? item : JSON.stringify(item)).update('\u0001');
    h.update('\u0002');
  }
  return h.digest('hex');
}

export interface TlsAgents {
  /** The kept agent of this identity, made with `make` the first time (or again once forgotten). */
  forIdentity(o: TlsIdentity): Agent;
  /** Destroys every kept agent and its sockets (shutdown); later calls make new ones. */
  destroy(): void;
}

/** `make` builds an agent for an identity: the agent options (keep-alive, sockets) are the client's. */
export function createTlsAgents(make: (o: TlsIdentity) => Agent, maxAgents: number): TlsAgents {
  const agents = new Map<string, Agent>();
  return {
    forIdentity(o) {
      const key = tlsIdentityKey(o);
      let agent = agents.get(key);
      if (agent !== undefined) return agent;
      agent = make(o);
      if (agents.size >= maxAgents) {
        const oldest = agents.keys().next().value;
        if (oldest !== undefined) agents.delete(oldest);
      }
      agents.set(key, agent);
      return agent;
    },
    destroy() {
      for (const agent of agents.values()) agent.destroy();
      agents.clear();
    },
  };
}
