// URL -> what is asked: a resource (with its API group, namespace, name and subresource),
// a discovery document, or the admin endpoint; plus the Kubernetes verb and the route
// template the counters use. Parsing once up front lets RBAC, faults and counters all
// work from the same facts (the API server's RequestInfo).

export type ResourceName =
  | 'pods'
  | 'namespaces'
  | 'events'
  | 'restores'
  | 'serviceaccounts'
  | 'roles'
  | 'rolebindings'
  | 'clusterroles'
  | 'clusterrolebindings'
  | 'tokenreviews'
  | 'subjectaccessreviews'
  | 'selfsubjectaccessreviews'
  | 'localsubjectaccessreviews'
  | 'selfsubjectrulesreviews'
  | 'selfsubjectreviews';

export type SubresourceName = 'status' | 'exec' | 'log' | 'token';

export interface ResourceRoute {
  kind: 'resource';
  /** API group ("" for the core group), as RBAC rules name it. */
  group: string;
  resource: ResourceName;
  namespace: string | null;
  name: string | null;
  subresource: SubresourceName | null;
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

interface GroupVersion {
  prefix: string;
  group: string;
  /** Namespaced resources of this group-version. */
  namespaced: ResourceName[];
  /** Cluster-scoped resources of this group-version. */
  cluster: ResourceName[];
}

/** Every group-version the sim serves, with its resources (discovery.ts lists the same). */
const GROUP_VERSIONS: GroupVersion[] = [
  { prefix: '/api/v1', group: '', namespaced: ['pods', 'serviceaccounts', 'events'], cluster: ['namespaces'] },
  { prefix: '/apis/events.k8s.io/v1', group: 'events.k8s.io', namespaced: ['events'], cluster: [] },
  { prefix: '/apis/velero.io/v1', group: 'velero.io', namespaced: ['restores'], cluster: [] },
  {
    prefix: '/apis/rbac.authorization.k8s.io/v1',
    group: 'rbac.authorization.k8s.io',
    namespaced: ['roles', 'rolebindings'],
    cluster: ['clusterroles', 'clusterrolebindings'],
  },
  { prefix: '/apis/authentication.k8s.io/v1', group: 'authentication.k8s.io', namespaced: [], cluster: ['tokenreviews', 'selfsubjectreviews'] },
  {
    prefix: '/apis/authorization.k8s.io/v1',
    group: 'authorization.k8s.io',
    namespaced: ['localsubjectaccessreviews'],
    cluster: ['subjectaccessreviews', 'selfsubjectaccessreviews', 'selfsubjectrulesreviews'],
  },
];

/** Subresources each resource has. */
const SUBRESOURCES: Partial<Record<ResourceName, SubresourceName[]>> = {
  pods: ['status', 'exec', 'log'],
  serviceaccounts: ['token'],
};

export function parseRoute(pathname: string): Route | null {
  const parts = pathname.split('/').filter((p) => p !== '').map(decodeURIComponent);
  const [a, b] = parts;
  if (a === 'sim' && b === 'v1') return { kind: 'admin', parts: parts.slice(2), template: `/sim/v1/${parts.slice(2).join('/')}` };
  const joined = '/' + parts.join('/');
  for (const gv of GROUP_VERSIONS) {
    if (joined.startsWith(gv.prefix + '/')) return resourceRoute(gv, parts.slice(gv.prefix.split('/').length - 1));
  }
  const path = parts.join('/');
  return { kind: 'document', path, template: '/' + (path.startsWith('openapi/v3/') ? 'openapi/v3/{groupVersion}' : path) };
}

function resourceRoute(gv: GroupVersion, rest: string[]): ResourceRoute | null {
  let legacyWatch = false;
  let parts = rest;
  if (parts[0] === 'watch') {
    legacyWatch = true;
    parts = parts.slice(1);
  }
  const route = (resource: ResourceName, namespace: string | null, name: string | null, sub: string | undefined, tpl: string): ResourceRoute | null => {
    let subresource: SubresourceName | null = null;
    if (sub !== undefined) {
      const allowed = SUBRESOURCES[resource] ?? [];
      if (!allowed.includes(sub as SubresourceName)) return null;
      subresource = sub as SubresourceName;
    }
    return { kind: 'resource', group: gv.group, resource, namespace, name, subresource, legacyWatch, template: gv.prefix + (legacyWatch ? '/watch' : '') + tpl };
  };
  const [p0, p1, p2, p3, p4] = parts;
  if (parts.length > 5) return null;
  if (p0 === 'namespaces' && gv.cluster.includes('namespaces') && parts.length <= 2) {
    return route('namespaces', null, p1 ?? null, undefined, p1 === undefined ? '/namespaces' : '/namespaces/{name}');
  }
  if (p0 === 'namespaces' && p1 !== undefined && gv.namespaced.includes(p2 as ResourceName)) {
    const tpl = `/namespaces/{namespace}/${p2}` + (p3 !== undefined ? '/{name}' : '') + (p4 !== undefined ? `/${p4}` : '');
    return route(p2 as ResourceName, p1, p3 ?? null, p4, tpl);
  }
  // A namespaced resource across all namespaces (list, watch).
  if (gv.namespaced.includes(p0 as ResourceName) && parts.length === 1) return route(p0 as ResourceName, null, null, undefined, `/${p0}`);
  if (gv.cluster.includes(p0 as ResourceName) && p0 !== 'namespaces' && parts.length <= 3) {
    return route(p0 as ResourceName, null, p1 ?? null, p2, `/${p0}` + (p1 !== undefined ? '/{name}' : '') + (p2 !== undefined ? `/${p2}` : ''));
  }
  return null;
}

/** The Kubernetes verb of a request, as RBAC and audit logs name it. */
export function verbOf(method: string, route: ResourceRoute, watchParam: boolean): string {
  if (route.subresource === 'exec') return method === 'GET' ? 'get' : 'create';
  switch (method) {
    case 'GET':
    case 'HEAD':
      if (route.legacyWatch || watchParam) return 'watch';
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
  // As apimachinery converts a query parameter to bool: false only when absent, "0" or
  // "false" in any case; any other value, the empty string included, is true (python's
  // client sends watch=True and stdout=True).
  if (v === null) return false;
  const lower = v.toLowerCase();
  return lower !== '0' && lower !== 'false';
}
