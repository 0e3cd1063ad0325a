// The REST verbs on pods, namespaces and restores: list (selectors, limit/continue), get,
// create, update, patch, delete, and watch as a streamed response. Authorization, faults
// and counters happened before; this file only speaks the resource semantics.

import type { ServerResponse } from 'node:http';
import type { ClusterState } from '../cluster-state.ts';
import { eventView, type EventVersion } from '../events.ts';
import type { Kubelet } from '../kubelet.ts';
import type { ObjectStore, StoredObject } from '../object-store.ts';
import { applyPatch, isObject, patchTypeOf } from '../patch.ts';
import { matches, parseSelector, type Selector } from '../selectors.ts';
import { badRequest, ExpiredContinueError, methodNotAllowed, notFound, SimError } from '../status.ts';
import type { JsonObject } from '../types.ts';
import { Watcher } from '../watch.ts';
import { isTrue, type ResourceRoute } from './routes.ts';
import { renderTable, wantsTable } from './table.ts';

export interface ResourceDeps {
  state: ClusterState;
  kubelet: Kubelet;
  bookmarkIntervalMs: number;
  watchCut: () => { afterEvents: number | undefined; afterMs: number | undefined } | null;
  /** Whether a continue token given to this list has expired (a fault). */
  continueExpired: () => boolean;
}

export interface Reply {
  status: number;
  body: unknown;
}

const DEFAULT_WATCH_TIMEOUT_S = 1800;

export function storeOf(state: ClusterState, route: ResourceRoute): ObjectStore {
  const store = state.stores.get(route.resource);
  // Reviews are not stored: server.ts answers them before any store is asked.
  if (!store) throw methodNotAllowed();
  return store;
}

/** Custom resources (Velero's) have no Go types: no strategic merge patch, no keyed lists. */
function isCustom(store: ObjectStore): boolean {
  return store.info.group === 'velero.io';
}

/** Core types' list items carry no kind/apiVersion (nor do Events of either version); custom resources' do. */
function listItem(store: ObjectStore, o: StoredObject): JsonObject {
  if (store.info.group !== '' && store.info.resource !== 'events') return o;
  const { kind: _k, apiVersion: _a, ...rest } = o;
  return rest;
}

/** Events are one store served in two versions; null for every other resource. */
function eventVersionOf(route: ResourceRoute): EventVersion | null {
  if (route.resource !== 'events') return null;
  return route.group === '' ? 'core' : 'events';
}

/** The object as the request's version shows it. */
function viewOf(route: ResourceRoute): (o: StoredObject) => StoredObject {
  const version = eventVersionOf(route);
  return version === null ? (o) => o : (o) => eventView(o, version);
}

function selectorOf(route: ResourceRoute, q: URLSearchParams): Selector {
  let fields = q.get('fieldSelector');
  // Watching one object by URL is a watch with a name selector.
  if (route.name !== null) fields = fields ? `${fields},metadata.name=${route.name}` : `metadata.name=${route.name}`;
  return parseSelector(route.group === '' ? route.resource : `${route.group}/${route.resource}`, q.get('labelSelector'), fields);
}

export function list(deps: ResourceDeps, route: ResourceRoute, q: URLSearchParams, accept: string | undefined): Reply {
  const store = storeOf(deps.state, route);
  const sel = selectorOf(route, q);
  const scope = store.info.namespaced ? route.namespace : null;
  let items: StoredObject[];
  if (sel.exactName !== null && scope !== null) {
    const one = store.get(scope, sel.exactName);
    items = one && matches(sel, one) ? [one] : [];
  } else {
    items = store.list(scope).filter((o) => matches(sel, o));
  }
  const rv = String(deps.state.versions.current);
  const metadata: JsonObject = { resourceVersion: rv };
  const limit = Number(q.get('limit') ?? '0');
  const cont = q.get('continue');
  if (cont) {
    const after = decodeContinue(cont);
    // A token that does not decode is a 400 first, as on an API server. The sim keeps no
    // old revisions, so the token's own resourceVersion never expires by itself.
    if (deps.continueExpired()) throw new ExpiredContinueError(encodeContinue('-1', after));
    items = items.filter((o) => keyOf(o) > after);
  }
  if (Number.isInteger(limit) && limit > 0 && items.length > limit) {
    const last = items[limit - 1];
    metadata['remainingItemCount'] = items.length - limit;
    items = items.slice(0, limit);
    if (last) metadata['continue'] = encodeContinue(rv, keyOf(last));
  }
  items = items.map(viewOf(route));
  if (wantsTable(accept)) return { status: 200, body: renderTable(store.info.resource, items, metadata, q.get('includeObject')) };
  const { kind, version } = store.info;
  return {
    status: 200,
    body: {
      kind: `${kind}List`,
      apiVersion: route.group === '' ? version : `${route.group}/${version}`,
      metadata,
      items: items.map((o) => listItem(store, o)),
    },
  };
}

function keyOf(o: StoredObject): string {
  return `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

/** rv '-1': the API server's mark for a token that continues at the latest state (after an expired one). */
function encodeContinue(rv: string, after: string): string {
  return Buffer.from(JSON.stringify({ v: 1, rv, after })).toString('base64url');
}

function decodeContinue(token: string): string {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (isObject(parsed) && typeof parsed['after'] === 'string') return parsed['after'];
  } catch {
    // fall through
  }
  throw badRequest(`continue key is not valid: ${token}`);
}

export function get(deps: ResourceDeps, route: ResourceRoute, accept: string | undefined, q: URLSearchParams): Reply {
  const store = storeOf(deps.state, route);
  const found = store.get(route.namespace ?? '', route.name ?? '');
  if (!found) throw notFound(store.info.resource, route.group, route.name ?? '');
  const o = viewOf(route)(found);
  if (wantsTable(accept) && route.subresource === null) {
    return { status: 200, body: renderTable(store.info.resource, [o], { resourceVersion: o.metadata.resourceVersion }, q.get('includeObject')) };
  }
  return { status: 200, body: o };
}

export function create(deps: ResourceDeps, route: ResourceRoute, body: unknown, q: URLSearchParams): Reply {
  if (route.name !== null) throw methodNotAllowed();
  if (q.get('dryRun')) throw badRequest('dryRun is not supported by the simulated cluster');
  const { state } = deps;
  if (route.resource === 'namespaces') return { status: 201, body: state.createNamespace(body) };
  if (route.namespace === null && storeOf(state, route).info.namespaced) throw methodNotAllowed();
  if (route.namespace === null) return { status: 201, body: state.createObject(route.resource, null, body) };
  if (route.resource === 'pods') return { status: 201, body: state.createPod(route.namespace, body) };
  if (route.resource === 'restores') return { status: 201, body: state.createRestore(route.namespace, body) };
  const events = eventVersionOf(route);
  if (events !== null) return { status: 201, body: state.createEvent(route.namespace, body, events) };
  return { status: 201, body: state.createObject(route.resource, route.namespace, body) };
}

export function update(deps: ResourceDeps, route: ResourceRoute, body: unknown): Reply {
  if (route.name === null || route.resource === 'namespaces') throw methodNotAllowed();
  const events = eventVersionOf(route);
  if (events !== null) {
    if (!isObject(body)) throw badRequest('the body of the request is not an object');
    return { status: 200, body: deps.state.updateEvent(route.namespace ?? '', route.name, events, () => body) };
  }
  const store = storeOf(deps.state, route);
  const sub = route.subresource === 'status' ? 'status' : null;
  return { status: 200, body: deps.state.replace(store, route.namespace ?? '', route.name, body, sub) };
}

export function patch(deps: ResourceDeps, route: ResourceRoute, body: unknown, contentType: string | undefined): Reply {
  if (route.name === null || route.resource === 'namespaces') throw methodNotAllowed();
  const store = storeOf(deps.state, route);
  const sub = route.subresource === 'status' ? 'status' : null;
  const type = patchTypeOf(contentType);
  const events = eventVersionOf(route);
  if (events !== null) return { status: 200, body: deps.state.updateEvent(route.namespace ?? '', route.name, events, (current) => applyPatch(type, current, body)) };
  if (type === 'strategic' && isCustom(store)) {
    // As for any custom resource: there is no Go struct to read patch strategies from.
    throw new SimError(415, 'UnsupportedMediaType', 'strategic merge patch is not supported for custom resources: use application/merge-patch+json');
  }
  return { status: 200, body: deps.state.patch(store, route.namespace ?? '', route.name, type, body, sub, !isCustom(store)) };
}

export function remove(deps: ResourceDeps, route: ResourceRoute, body: unknown, q: URLSearchParams): Reply {
  if (route.name === null || route.subresource !== null || route.resource === 'namespaces') throw methodNotAllowed();
  const ns = route.namespace ?? '';
  if (route.resource !== 'pods') return { status: 200, body: viewOf(route)(deps.state.removeObject(storeOf(deps.state, route), ns, route.name)) };
  const pod = deps.state.getPod(ns, route.name);
  const fromQuery = q.get('gracePeriodSeconds');
  const fromBody = isObject(body) ? body['gracePeriodSeconds'] : undefined;
  const spec = isObject(pod['spec']) ? pod['spec'] : {};
  const fromPod = typeof spec['terminationGracePeriodSeconds'] === 'number' ? spec['terminationGracePeriodSeconds'] : 30;
  const grace = fromQuery !== null ? Number(fromQuery) : typeof fromBody === 'number' ? fromBody : fromPod;
  if (!Number.isFinite(grace) || grace < 0) throw badRequest(`invalid gracePeriodSeconds: ${String(grace)}`);
  const graceMs = grace * 1000;
  return { status: 200, body: deps.state.deletePod(ns, route.name, graceMs, deps.kubelet.terminationMs(graceMs)) };
}

/** A watch: streamed JSON lines until timeoutSeconds, a fault cut, the client leaving or the sim stopping. */
export function watch(deps: ResourceDeps, route: ResourceRoute, q: URLSearchParams, accept: string | undefined, res: ServerResponse): void {
  const store = storeOf(deps.state, route);
  const sel = selectorOf(route, q);
  const rvParam = q.get('resourceVersion');
  const initialEvents = isTrue(q.get('sendInitialEvents'));
  let from: number | null = null;
  if (rvParam !== null && rvParam !== '' && rvParam !== '0' && !initialEvents) {
    from = Number(rvParam);
    if (!Number.isInteger(from) || from < 0) throw badRequest(`invalid resource version: ${rvParam}`);
  }
  const timeoutParam = q.get('timeoutSeconds');
  const timeoutS = timeoutParam !== null ? Number(timeoutParam) : DEFAULT_WATCH_TIMEOUT_S;
  if (!Number.isFinite(timeoutS) || timeoutS < 0) throw badRequest(`invalid timeoutSeconds: ${timeoutParam}`);
  const cut = deps.watchCut();
  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
  res.flushHeaders();
  const watcher = new Watcher({
    store,
    namespace: store.info.namespaced ? route.namespace : null,
    selector: sel,
    output: res,
    bookmarks: isTrue(q.get('allowWatchBookmarks')),
    initialEventsEnd: initialEvents && isTrue(q.get('allowWatchBookmarks')),
    bookmarkIntervalMs: deps.bookmarkIntervalMs,
    timeoutMs: timeoutS === 0 ? DEFAULT_WATCH_TIMEOUT_S * 1000 : timeoutS * 1000,
    cutAfterEvents: cut?.afterEvents,
    cutAfterMs: cut?.afterMs,
    currentVersion: () => deps.state.versions.current,
    onClose: (w) => deps.state.watches.remove(w),
    transform: watchTransform(route, store, accept, q),
  });
  res.on('close', () => watcher.close());
  // Registered before replaying: both happen in this tick, so no event falls in between.
  deps.state.watches.add(watcher);
  watcher.start(from);
}

/** How a watch renders each object: as a Table row, in the request's Event version, or as stored. */
function watchTransform(route: ResourceRoute, store: ObjectStore, accept: string | undefined, q: URLSearchParams): ((o: StoredObject) => JsonObject) | undefined {
  const view = eventVersionOf(route) === null ? null : viewOf(route);
  if (wantsTable(accept)) {
    return (o) => {
      const shown = view ? view(o) : o;
      return renderTable(store.info.resource, [shown], { resourceVersion: o.metadata.resourceVersion }, q.get('includeObject'));
    };
  }
  return view ?? undefined;
}
