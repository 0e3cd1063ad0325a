// Bearer tokens: the main token may do anything (and use the admin endpoint); extra
// tokens are limited to namespaces and get the API server's 403 elsewhere, so hookd's
// handling of RBAC errors can be tested. No token, or an unknown one: 401.

import { forbidden } from '../status.ts';
import type { ResourceRoute } from './routes.ts';

export interface Identity {
  user: string;
  /** null: every namespace and the cluster scope. */
  namespaces: ReadonlySet<string> | null;
  admin: boolean;
}

export class Authenticator {
  private readonly tokens = new Map<string, Identity>();

  constructor(token: string, extra: { token: string; namespaces: string[] }[]) {
    this.tokens.set(token, { user: 'hookd-sim-admin', namespaces: null, admin: true });
    extra.forEach((t, i) => {
      this.tokens.set(t.token, { user: `system:serviceaccount:hookd-sim:limited-${i + 1}`, namespaces: new Set(t.namespaces), admin: false });
    });
  }

  identify(authorization: string | undefined): Identity | null {
    const m = authorization ? /^Bearer\s+(\S+)\s*$/i.exec(authorization) : null;
    return m?.[1] ? (this.tokens.get(m[1]) ?? null) : null;
  }
}

/** Throws the 403 a namespace-scoped RoleBinding would give outside its namespaces. */
export function authorize(id: Identity, route: ResourceRoute, verb: string): void {
  if (id.namespaces === null) return;
  const resource = route.subresource ? `${route.resource}/${route.subresource}` : route.resource;
  const group = route.resource === 'restores' ? 'velero.io' : '';
  if (route.resource === 'namespaces') {
    // A limited token may read its own namespaces, nothing cluster-wide.
    if (verb === 'get' && route.name !== null && id.namespaces.has(route.name)) return;
    throw forbidden(id.user, verb, resource, group, null, route.name ?? undefined);
  }
  if (route.namespace !== null && id.namespaces.has(route.namespace)) return;
  throw forbidden(id.user, verb, resource, group, route.namespace, route.name ?? undefined);
}
