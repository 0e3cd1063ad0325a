// The HTTPS side: every request is parsed into a route, counted, authenticated, given its
// faults (latency, injected errors), then answered as JSON or as a watch stream. Exec
// arrives as an HTTP upgrade and takes the same steps before the WebSocket handshake.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { Duplex } from 'node:stream';
import type { ClusterState } from '../cluster-state.ts';
import type { ExecManager } from '../exec/manager.ts';
import type { Counters } from '../counters.ts';
import type { FaultInjector, RequestFacts } from '../faults.ts';
import type { Kubelet } from '../kubelet.ts';
import { injected, methodNotAllowed, SimError, unauthorized, failureStatus } from '../status.ts';
import type { SimLogger } from '../types.ts';
import { handleAdmin, type AdminApi } from './admin.ts';
import type { RbacStores } from '../rbac/authorizer.ts';
import { impersonate, requireAllowed } from '../rbac/guard.ts';
import { answerReview, REVIEW_RESOURCES } from '../rbac/reviews.ts';
import type { TokenAuthenticator } from '../rbac/tokens.ts';
import type { Attributes, UserInfo } from '../rbac/types.ts';
import { answerDocument } from './documents.ts';
import { decodeProtobuf, PROTOBUF } from './protobuf.ts';
import { chooseProtocol, createExecWebSocketServer, execTarget, isWebSocketUpgrade, podContainer, rejectUpgrade } from './exec-route.ts';
import * as resources from './resources.ts';
import { isTrue, parseRoute, verbOf, type ResourceRoute, type Route } from './routes.ts';

export interface ServerDeps {
  state: ClusterState;
  kubelet: Kubelet;
  exec: ExecManager;
  faults: FaultInjector;
  counters: Counters;
  authn: TokenAuthenticator;
  rbac: RbacStores;
  admin: AdminApi;
  bookmarkIntervalMs: number;
  hostPort: () => string;
  logger: SimLogger | undefined;
}

/** The API server's limit on request bodies. */
const MAX_BODY_BYTES = 3 * 1024 * 1024;
const UNAUTHENTICATED = new Set(['/healthz', '/livez', '/readyz']);

interface Prepared {
  route: Route;
  verb: string;
  facts: RequestFacts;
  query: URLSearchParams;
  /** Who the request acts as (after impersonation); null on the unauthenticated health paths. */
  user: UserInfo | null;
}

/** What RBAC is asked for a resource request (the API server's RequestInfo as attributes). */
function resourceAttributes(route: ResourceRoute, verb: string, method: string): Attributes[] {
  // A namespace object is "in" itself: a RoleBinding there may grant reading it.
  const namespace = route.namespace ?? (route.resource === 'namespaces' ? (route.name ?? '') : '');
  const base = { kind: 'resource' as const, group: route.group, resource: route.resource, subresource: route.subresource ?? '', namespace, name: route.name ?? '' };
  // A WebSocket exec is a GET; since Kubernetes 1.35 it needs create as well, as SPDY's POST does.
  if (route.subresource === 'exec') return method === 'POST' ? [{ ...base, verb: 'create' }] : [{ ...base, verb: 'get' }, { ...base, verb: 'create' }];
  return [{ ...base, verb }];
}

function facts(route: Route, verb: string): RequestFacts {
  if (route.kind !== 'resource') return { verb, resource: route.kind === 'admin' ? 'sim' : 'discovery', namespace: null, name: null };
  const resource = route.subresource ? `${route.resource}/${route.subresource}` : route.resource;
  return { verb: route.subresource === 'exec' ? 'exec' : verb, resource, namespace: route.namespace, name: route.name };
}

/** Parse, count, authenticate, authorize and apply faults: common to requests and upgrades. */
async function prepare(deps: ServerDeps, req: IncomingMessage): Promise<Prepared> {
  const url = new URL(req.url ?? '/', 'http://sim.invalid');
  const route = parseRoute(url.pathname);
  if (!route) {
    deps.counters.request(req.method?.toLowerCase() ?? 'get', 'unknown', null);
    throw new SimError(404, 'NotFound', 'the server could not find the requested resource', {});
  }
  const method = req.method ?? 'GET';
  const verb = route.kind === 'resource' ? verbOf(method, route, isTrue(url.searchParams.get('watch'))) : route.kind === 'admin' ? 'admin' : 'discovery';
  const f = facts(route, verb);
  const pod = route.kind === 'resource' && route.resource === 'pods' && route.name !== null ? `${route.namespace}/${route.name}` : null;
  deps.counters.request(f.verb, route.template, pod);
  if (route.kind === 'document' && UNAUTHENTICATED.has(route.template)) return { route, verb, facts: f, query: url.searchParams, user: null };
  const requester = deps.authn.identify(req.headers.authorization);
  if (!requester) throw unauthorized();
  const user = impersonate(deps.rbac, requester, req.headers, req.headersDistinct);
  try {
    if (route.kind === 'resource') requireAllowed(deps.rbac, user, resourceAttributes(route, verb, method));
    // Discovery, OpenAPI and the admin endpoint are non-resource URLs (the admin one: cluster-admin only).
    else requireAllowed(deps.rbac, user, [{ kind: 'nonresource', verb: method.toLowerCase(), path: url.pathname }]);
  } catch (err) {
    if (err instanceof SimError && err.status === 403) deps.counters.denied(err.message);
    throw err;
  }
  if (route.kind === 'resource') {
    if (route.subresource === 'exec') f.container = url.searchParams.get('container');
    const delay = deps.faults.latencyMs(f);
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    const err = deps.faults.error(f);
    if (err) throw injected(err.status, err.retryAfterSeconds);
  }
  return { route, verb, facts: f, query: url.searchParams, user };
}

/** JSON, and the bit of protobuf kubectl's typed clients send (see protobuf.ts). */
function contentTypeOf(req: IncomingMessage): 'json' | 'protobuf' {
  const ct = (req.headers['content-type'] ?? 'application/json').split(';')[0]?.trim().toLowerCase() ?? '';
  if (ct === '' || ct === 'application/json' || ct.endsWith('+json')) return 'json';
  if (ct === PROTOBUF) return 'protobuf';
  throw new SimError(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: application/json, application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json`,
  );
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const type = contentTypeOf(req);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY_BYTES) throw new SimError(413, 'RequestEntityTooLarge', 'Request entity too large: limit is 3145728');
    chunks.push(buf);
  }
  if (size === 0) return undefined;
  if (type === 'protobuf') return decodeProtobuf(Buffer.concat(chunks));
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new SimError(400, 'BadRequest', `couldn't get version/kind; json parse error: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function send(deps: ServerDeps, res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  deps.counters.answered(status);
  if (res.headersSent) {
    res.end();
    return;
  }
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json',
    'Cache-Control': 'no-cache, private',
    'Content-Length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

async function handleRequest(deps: ServerDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const p = await prepare(deps, req);
  const { route, verb, query } = p;
  const method = req.method ?? 'GET';
  const accept = req.headers.accept;
  if (route.kind === 'document') {
    const doc = answerDocument(route.path, deps.hostPort());
    if (doc === null) throw new SimError(404, 'NotFound', 'the server could not find the requested resource', {});
    send(deps, res, 200, doc);
    return;
  }
  const body = method === 'POST' || method === 'PUT' || method === 'PATCH' || method === 'DELETE' ? await readBody(req) : undefined;
  if (route.kind === 'admin') {
    const r = handleAdmin(deps.admin, method, route.parts, body);
    send(deps, res, r.status, r.body);
    return;
  }
  const rdeps: resources.ResourceDeps = {
    state: deps.state,
    kubelet: deps.kubelet,
    bookmarkIntervalMs: deps.bookmarkIntervalMs,
    watchCut: () => deps.faults.watchCut(p.facts),
    continueExpired: () => deps.faults.continueExpired(p.facts),
  };
  if ((REVIEW_RESOURCES.has(route.resource) || route.subresource === 'token') && p.user) {
    if (verb !== 'create') throw methodNotAllowed();
    const r = answerReview(
      { rbac: deps.rbac, authn: deps.authn, serviceaccounts: deps.state.serviceaccounts },
      { resource: route.resource, subresource: route.subresource, namespace: route.namespace, name: route.name, user: p.user, body },
    );
    send(deps, res, r.status, r.body);
    return;
  }
  if (route.subresource === 'exec') {
    execTarget(deps.state, route, query);
    throw new SimError(400, 'BadRequest', 'Upgrade request required');
  }
  if (route.subresource === 'log') {
    if (verb !== 'get') throw methodNotAllowed();
    podContainer(deps.state, route, query);
    // A simulated container runs no process of its own, so it writes no log: an empty one,
    // as a real container that printed nothing has (follow ends at once).
    deps.counters.answered(200);
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end();
    return;
  }
  let reply: resources.Reply;
  switch (verb) {
    case 'watch':
      deps.counters.answered(200);
      resources.watch(rdeps, route, query, accept, res);
      return;
    case 'list':
      reply = resources.list(rdeps, route, query, accept);
      break;
    case 'get':
      reply = resources.get(rdeps, route, accept, query);
      break;
    case 'create':
      reply = resources.create(rdeps, route, body, query);
      break;
    case 'update':
      reply = resources.update(rdeps, route, body);
      break;
    case 'patch':
      reply = resources.patch(rdeps, route, body, req.headers['content-type']);
      break;
    case 'delete':
      reply = resources.remove(rdeps, route, body, query);
      break;
    default:
      throw methodNotAllowed();
  }
  send(deps, res, reply.status, reply.body);
}

function errorReply(deps: ServerDeps, err: unknown): { status: number; body: unknown; headers: Record<string, string> } {
  if (err instanceof SimError) return { status: err.status, body: err.toStatus(), headers: err.headers };
  deps.logger?.warn({ err: err instanceof Error ? err.message : String(err) }, 'sim request failed');
  return { status: 500, body: failureStatus(500, 'InternalError', `Internal error occurred: ${err instanceof Error ? err.message : String(err)}`), headers: {} };
}

async function handleUpgrade(deps: ServerDeps, wss: ReturnType<typeof createExecWebSocketServer>, req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
  const arrivedMs = performance.timeOrigin + performance.now();
  const p = await prepare(deps, req);
  const { route, query } = p;
  if (route.kind !== 'resource' || route.subresource !== 'exec') throw new SimError(400, 'BadRequest', 'Upgrade request required');
  const target = execTarget(deps.state, route, query);
  if (!isWebSocketUpgrade(req)) {
    throw new SimError(400, 'BadRequest', 'the simulated cluster speaks exec over WebSocket (v5.channel.k8s.io, v4.channel.k8s.io) only, not SPDY');
  }
  if (!chooseProtocol(req.headers['sec-websocket-protocol'])) {
    throw new SimError(400, 'BadRequest', 'no supported subprotocol: the simulated cluster speaks v5.channel.k8s.io and v4.channel.k8s.io');
  }
  deps.state.timeline.exec(target.namespace, target.pod, target.container, arrivedMs);
  const fault = deps.faults.exec(p.facts);
  deps.counters.answered(101);
  wss.handleUpgrade(req, socket, head, (ws) => deps.exec.start(ws, target, fault));
}

export function createSimServer(deps: ServerDeps, tls: { certPem: string; keyPem: string }): Server {
  const wss = createExecWebSocketServer();
  const options = { cert: tls.certPem, key: tls.keyPem, keepAlive: true, requestTimeout: 0, headersTimeout: 30_000 };
  const server = createServer(options, (req, res) => {
    handleRequest(deps, req, res).catch((err: unknown) => {
      const r = errorReply(deps, err);
      send(deps, res, r.status, r.body, r.headers);
    });
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    handleUpgrade(deps, wss, req, socket, head).catch((err: unknown) => {
      const r = errorReply(deps, err);
      deps.counters.answered(r.status);
      rejectUpgrade(socket, r.status, r.body, r.headers);
    });
  });
  server.on('close', () => wss.close());
  return server;
}
