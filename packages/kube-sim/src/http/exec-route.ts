// pods/{name}/exec: the checks the API server makes before it proxies to the kubelet
// (pod exists: 404; container named and valid, and running: 400 with the server's
// message), then the WebSocket upgrade with channel.k8s.io v5 or v4. SPDY is not
// implemented: a non-WebSocket upgrade gets the same errors, else 400.

import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { ClusterState } from '../cluster-state.ts';
import type { ExecTarget } from '../exec/session.ts';
import { containerNames, containerState } from '../pod-rules.ts';
import { badRequest } from '../status.ts';
import { isTrue, type ResourceRoute } from './routes.ts';

export const EXEC_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'] as const;

/**
 * The pod (404 when absent) and the container a pods/exec or pods/log request names: the
 * only one when none is named, else 400 with the API server's message.
 */
export function podContainer(state: ClusterState, route: ResourceRoute, q: URLSearchParams): { namespace: string; podName: string; pod: ReturnType<ClusterState['getPod']>; container: string } {
  const namespace = route.namespace ?? '';
  const podName = route.name ?? '';
  const pod = state.getPod(namespace, podName);
  const names = containerNames(pod);
  let container = q.get('container') ?? '';
  if (container === '') {
    if (names.length !== 1) {
      throw badRequest(`a container name must be specified for pod ${podName}, choose one of: [${names.join(' ')}]`);
    }
    container = names[0] ?? '';
  }
  if (!names.includes(container)) throw badRequest(`container ${container} is not valid for pod ${podName}`);
  return { namespace, podName, pod, container };
}

/** Validates an exec request against the pod; throws the API server's error. */
export function execTarget(state: ClusterState, route: ResourceRoute, q: URLSearchParams): ExecTarget {
  const { namespace, podName, pod, container } = podContainer(state, route, q);
  const command = q.getAll('command');
  if (command.length === 0 || command[0] === '') throw badRequest('you must specify at least 1 command');
  const target: ExecTarget = {
    namespace,
    pod: podName,
    podUid: pod.metadata.uid,
    container,
    command,
    stdin: isTrue(q.get('stdin')),
    stdout: isTrue(q.get('stdout')),
    stderr: isTrue(q.get('stderr')),
    tty: isTrue(q.get('tty')),
  };
  if (!target.stdin && !target.stdout && !target.stderr) throw badRequest('you must specify at least 1 of stdin, stdout, stderr');
  if (target.tty && target.stderr) throw badRequest('tty and stderr cannot both be true');
  // The kubelet's answer for a container that is not running (never started, or exited).
  if (containerState(pod, container) !== 'running') throw badRequest(`container not found ("${container}")`);
  return target;
}

export function chooseProtocol(header: string | string[] | undefined): string | null {
  const offered = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',').map((p) => p.trim());
  return EXEC_PROTOCOLS.find((p) => offered.includes(p)) ?? null;
}

export function isWebSocketUpgrade(req: IncomingMessage): boolean {
  return (req.headers.upgrade ?? '').toLowerCase() === 'websocket';
}

/** One server for all exec upgrades; the subprotocol was checked before the handshake. */
export function createExecWebSocketServer(): WebSocketServer {
  return new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    handleProtocols: (protocols) => EXEC_PROTOCOLS.find((p) => protocols.has(p)) ?? false,
  });
}

/** Writes an HTTP answer on a socket that asked for an upgrade and will not get one. */
export function rejectUpgrade(socket: Duplex, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const json = JSON.stringify(body);
  const extra = Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  const reason = status === 400 ? 'Bad Request' : status === 401 ? 'Unauthorized' : status === 403 ? 'Forbidden' : status === 404 ? 'Not Found' : status === 429 ? 'Too Many Requests' : status === 503 ? 'Service Unavailable' : 'Error';
  if (!socket.writable) return;
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(json)}\r\nConnection: close\r\n${extra}\r\n${json}`,
  );
}
