// The exec WebSockets' agents (tls-agents.ts, one per TLS identity): without one of our own,
// each exec would pay a full TLS handshake and parse the cluster CA into a new SecureContext.
// Each agent holds one SecureContext and caches TLS sessions, so later execs resume the
// session instead of a full handshake. Keep-alive is off: an exec's socket is its WebSocket,
// never reused, so an agent forgotten from the bounded cache holds no idle sockets and goes
// once its last exec has ended.

import { Agent, type RequestOptions } from 'node:https';
import { createSecureContext } from 'node:tls';
import { createTlsAgents, type TlsIdentity } from './tls-agents.ts';

/** The TLS part of what KubeConfig.applyToHTTPSOptions fills in, with client-node's own agent. */
export type ExecTlsOptions = TlsIdentity & Pick<RequestOptions, 'agent'>;

export interface ExecAgents {
  /**
   * The shared agent for these TLS options; null when client-node's own agent is not a plain
   * https one (a proxy agent, plain http), which is then used as it is.
   */
  forOptions(o: ExecTlsOptions): Agent | null;
}

function execAgent(o: TlsIdentity): Agent {
  const secureContext = createSecureContext({ ca: o.ca, cert: o.cert, key: o.key, pfx: o.pfx, passphrase: o.passphrase });
  // The material itself stays out of the agent's options: the SecureContext carries it,
  // and the agent would otherwise stringify it into every request's pool name.
  return new Agent({
    secureContext,
    ...(o.servername !== undefined ? { servername: o.servername } : {}),
    ...(o.rejectUnauthorized !== undefined ? { rejectUnauthorized: o.rejectUnauthorized } : {}),
    keepAlive: false,
    maxCachedSessions: 256,
  });
}

export function createExecAgents(maxAgents = 8): ExecAgents {
  const agents = createTlsAgents(execAgent, maxAgents);
  return {
    forOptions: (o) => (o.agent instanceof Agent ? agents.forIdentity(o) : null),
  };
}
