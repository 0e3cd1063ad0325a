// The exec WebSockets' agents (tls-agents.ts, one per TLS identity): without one of our own,
// each exec would pay a full TLS handshake and parse the cluster CA into a new SecureContext.
// Keep-alive is off: an exec's socket is its WebSocket, never reused, so an agent forgotten
// from the bounded cache holds no idle sockets and goes once its last exec has ended.
//
// Each agent keeps the last TLS session per server, and later execs resume it instead of a
// full handshake. A full handshake offers the default key exchange groups, post-quantum
// X25519MLKEM768 first; a resumed one offers classical groups only. A TLS 1.3 resumption
// still runs a fresh key exchange (for forward secrecy), but its keys also come from the
// session's secret, which the full handshake's hybrid exchange protects: so leaving ML-KEM
// out of resumptions keeps their traffic as safe against a later quantum attacker, and saves
// an ML-KEM key pair and decapsulation on every exec (on the API server, an encapsulation).
// A resumed handshake that fails (a server that takes none of those groups) drops the session,
// and that server gets full handshakes with the default groups from then on.

import { Agent, type AgentOptions, type RequestOptions } from 'node:https';
import type { Duplex } from 'node:stream';
import { createSecureContext, type SecureContext, type TLSSocket } from 'node:tls';
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

/** The groups a resumed handshake offers: X25519's key share, P-256 and P-384 for a server that asks for another. */
export const RESUMPTION_GROUPS = 'X25519:P-256:P-384';

/** Servers an agent keeps a session for (one in practice: the cluster's API server). */
const MAX_SERVERS = 16;

type ConnectOptions = Parameters<Agent['createConnection']>[0] & { session?: Buffer; secureContext?: SecureContext };
type ConnectCallback = Parameters<Agent['createConnection']>[1];

interface ServerSessions {
  session: Buffer | null;
  /** A resumed handshake failed here: full handshakes only, sessions resumed with the default groups. */
  resumptionGroupsRefused: boolean;
}

/** An https agent whose resumed handshakes use RESUMPTION_GROUPS (see the top of the file). */
export class ResumingAgent extends Agent {
  private readonly servers = new Map<string, ServerSessions>();

  private readonly full: SecureContext;

  /** `options.secureContext` serves full handshakes; `resumed`, the same material with RESUMPTION_GROUPS. */
  constructor(
    options: AgentOptions & { readonly secureContext: SecureContext },
    private readonly resumed: SecureContext,
  ) {
    // Sessions are kept here, not in node's cache, so the context can follow whether one is used.
    super({ ...options, maxCachedSessions: 0 });
    this.full = options.secureContext;
  }

  private serverOf(key: string): ServerSessions {
    const known = this.servers.get(key);
    if (known !== undefined) return known;
    if (this.servers.size >= MAX_SERVERS) this.servers.delete(this.servers.keys().next().value ?? '');
    const server: ServerSessions = { session: null, resumptionGroupsRefused: false };
    this.servers.set(key, server);
    return server;
  }

  override createConnection(options: ConnectOptions, callback?: ConnectCallback): Duplex | null | undefined {
    const server = this.serverOf(`${options.host ?? ''}:${options.port ?? ''}:${options.servername ?? ''}`);
    const session = server.session;
    const light = session !== null && !server.resumptionGroupsRefused;
    const connect: ConnectOptions = { ...options, ...(session !== null ? { session } : {}), secureContext: light ? this.resumed : this.full };
    const socket = super.createConnection(connect, callback) as TLSSocket | null | undefined;
    if (!socket) return socket;
    let secured = false;
    socket.once('secureConnect', () => (secured = true));
    socket.on('session', (s: Buffer) => (server.session = s));
    // At the error itself, not at the close after it: a retry may start in between. Only a
    // TLS error says the groups were refused; a connection refused or reset (an API server
    // restarting) says nothing about them.
    socket.once('error', (err: NodeJS.ErrnoException) => {
      if (secured) return;
      if (server.session === session) server.session = null;
      if (light && (err.code === 'EPROTO' || err.code?.startsWith('ERR_SSL') === true)) server.resumptionGroupsRefused = true;
    });
    return socket;
  }
}

function execAgent(o: TlsIdentity): Agent {
  const material = { ca: o.ca, cert: o.cert, key: o.key, pfx: o.pfx, passphrase: o.passphrase };
  const full = createSecureContext(material);
  const resumed = createSecureContext({ ...material, ecdhCurve: RESUMPTION_GROUPS });
  // The material itself stays out of the agent's options: the SecureContext carries it,
  // and the agent would otherwise stringify it into every request's pool name.
  return new ResumingAgent(
    {
      secureContext: full,
      ...(o.servername !== undefined ? { servername: o.servername } : {}),
      ...(o.rejectUnauthorized !== undefined ? { rejectUnauthorized: o.rejectUnauthorized } : {}),
      keepAlive: false,
    },
    resumed,
  );
}

export function createExecAgents(maxAgents = 8): ExecAgents {
  const agents = createTlsAgents(execAgent, maxAgents);
  return {
    forOptions: (o) => (o.agent instanceof Agent ? agents.forIdentity(o) : null),
  };
}
