// URL -> what is asked: a resource (pods, namespaces, restores, with namespace, name and
// subresource), a discovery document, or the admin endpoint; plus the Kubernetes verb and
// the route template the counters use. Parsing once up front lets auth, faults and
// counters all work from the same facts.

export type ResourceName = 'pods' | 'namespaces' | 'restores';

export interface ResourceRoute {
  kind: 'resource';
  resource: ResourceName;
  namespace: string | null;
  name: string | null;
  subresource: 'status' | 'exec' | null;
  /** /api/v1/watch/... (deprecated, still served). */
  legacyWatch: boolean;
  template: string;
}

export interface DocumentRoute {
  kind: 'document';
  /** e.g. "api", "api/v1", "apis", "apis/velero.io", "version", "openapi/v3/api/v1". */
  path: string;
  template: string;
}

export interface AdminRoute {
  kind: 'admin';
  parts: string[];
  template: string;
}

export type Route = ResourceRoute | DocumentRoute | AdminRoute;

const CORE_PREFIX = '/api/v1';
const VELERO_PREFIX = '/apis/velero.io/v1';

export function parseRoute(pathname: string): Route | null {
  const parts = pathname.split('/').filter((p) => p !== '').map(decodeURIComponent);
  const [a, b, c] = parts;
  if (a === 'sim' && b === 'v1') return { kind: 'admin', parts: parts.slice(2), template: `/sim/v1/${parts.slice(2).join('/')}` };
  if (a === 'api' && b === 'v1' && parts.length > 2) return resourceRoute(CORE_PREFIX, parts.slice(2), ['pods', 'namespaces']);
  if (a === 'apis' && b === 'velero.io' && c === 'v1' && parts.length > 3) return resourceRoute(VELERO_PREFIX, parts.slice(3), ['restores']);
  const path = parts.join('/');
  return { kind: 'document', path, template: '/' + (path.startsWith('openapi/v3/') ? 'openapi/v3/{groupVersion}' : path) };
}

function resourceRoute(prefix: string, rest: string[], allowed: ResourceName[]): ResourceRoute | null {
  let legacyWatch = false;
  let parts = rest;
  if (parts[0] === 'watch') {
    legacyWatch = true;
    parts = parts.slice(1);
  }
  const known = (r: string | undefined): r is ResourceName => allowed.includes(r as ResourceName);
  const route = (resource: ResourceName, namespace: string | null, name: string | null, sub: string | undefined, tpl: string): ResourceRoute | null => {
    if (sub !== undefined && sub !== 'status' && sub !== 'exec') return null;
    if (sub === 'exec' && resource !== 'pods') return null;
    if (sub === 'status' && resource !== 'pods') return null;
    return { kind: 'resource', resource, namespace, name, subresource: sub ?? null, legacyWatch, template: prefix + (legacyWatch ? '/watch' : '') + tpl };
  };
  const [p0, p1, p2, p3, p4] = parts;
  if (parts.length > 5) return null;
  if (p0 === 'namespaces' && allowed.includes('namespaces') && parts.length <= 2) {
    return route('namespaces', null, p1 ?? null, undefined, p1 === undefined ? '/namespaces' : '/namespaces/{name}');
  }
  if (p0 === 'namespaces' && p1 !== undefined && known(p2)) {
    const tpl = `/namespaces/{namespace}/${p2}` + (p3 !== undefined ? '/{name}' : '') + (p4 !== undefined ? `/${p4}` : '');
    return route(p2, p1, p3 ?? null, p4, tpl);
  }
  if (known(p0) && p0 !== 'namespaces' && parts.length === 1) return route(p0, null, null, undefined, `/${p0}`);
  return null;
}

/** The Kubernetes verb of a request, as RBAC and audit logs name it. */
export function verbOf(method: string, route: ResourceRoute, watchParam: boolean): string {
  if (route.subresource === 'exec') return 'create';
  switch (method) {
    case 'GET':
    case 'HEAD':
      if (route.legacyWatch || (route.name === null && watchParam)) return 'watch';
      if (watchParam) return 'watch';
      return route.name === null ? 'list' : 'get';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return route.name === null ? 'deletecollection' : 'delete';
    default:
      return method.toLowerCase();
  }
}

export function isTrue(v: string | null): boolean {
  return v === 'true' || v === '1';
}
