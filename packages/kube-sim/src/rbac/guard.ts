// The checks the API server makes on every request after it knows who is asking:
// impersonation (Impersonate-User / -Group / -Uid headers, each allowed only by the
// `impersonate` verb on users, groups, serviceaccounts or uids), then RBAC on the request's
// attributes, with the 403 Status a real API server answers, naming the verb, the resource
// with its subresource, the API group and the namespace.

import type { IncomingHttpHeaders } from 'node:http';
import { badRequest, forbidden, SimError } from '../status.ts';
import { authorize, type RbacStores } from './authorizer.ts';
import { serviceAccountOf } from './rules.ts';
import { AUTHENTICATED, type Attributes, type ResourceAttributes, type UserInfo } from './types.ts';

function denied(user: UserInfo, a: Attributes): SimError {
  if (a.kind === 'nonresource') return new SimError(403, 'Forbidden', `forbidden: User "${user.username}" cannot ${a.verb} path "${a.path}"`);
  const resource = a.subresource === '' ? a.resource : `${a.resource}/${a.subresource}`;
  // Reviews and other cluster-scoped resources are "at the cluster scope", as is a namespaced resource across all namespaces.
  return forbidden(user.username, a.verb, resource, a.group, a.namespace === '' ? null : a.namespace, a.name === '' ? undefined : a.name);
}

/** Throws the API server's 403 unless RBAC allows every one of the attributes. */
export function requireAllowed(stores: RbacStores, user: UserInfo, attrs: readonly Attributes[]): void {
  for (const a of attrs) if (!authorize(stores, user, a).allowed) throw denied(user, a);
}

function all(headers: Record<string, string[] | undefined>, name: string): string[] {
  return (headers[name] ?? []).map((v) => v.trim()).filter((v) => v !== '');
}

/** The user a request acts as: the authenticated one, or whom it impersonates when allowed. */
export function impersonate(stores: RbacStores, requester: UserInfo, headers: IncomingHttpHeaders, distinct: Record<string, string[] | undefined>): UserInfo {
  const users = all(distinct, 'impersonate-user');
  const groups = all(distinct, 'impersonate-group');
  const uids = all(distinct, 'impersonate-uid');
  const extraKeys = Object.keys(headers).filter((h) => h.startsWith('impersonate-extra-'));
  if (users.length === 0) {
    if (groups.length > 0 || uids.length > 0 || extraKeys.length > 0) throw badRequest('impersonating groups, a uid or extra fields requires impersonating a user (Impersonate-User)');
    return requester;
  }
  if (users.length > 1 || uids.length > 1) throw badRequest('only one Impersonate-User and one Impersonate-Uid may be given');
  const username = users[0] ?? '';
  const checks: ResourceAttributes[] = [];
  const sa = serviceAccountOf(username);
  const base = { kind: 'resource' as const, verb: 'impersonate', subresource: '' };
  checks.push(sa ? { ...base, group: '', resource: 'serviceaccounts', namespace: sa.namespace, name: sa.name } : { ...base, group: '', resource: 'users', namespace: '', name: username });
  for (const g of groups) checks.push({ ...base, group: '', resource: 'groups', namespace: '', name: g });
  for (const u of uids) checks.push({ ...base, group: 'authentication.k8s.io', resource: 'uids', namespace: '', name: u });
  const extra: Record<string, string[]> = {};
  for (const h of extraKeys) {
    const key = decodeURIComponent(h.slice('impersonate-extra-'.length));
    const values = all(distinct, h);
    extra[key] = values;
    for (const v of values) checks.push({ ...base, group: 'authentication.k8s.io', resource: 'userextras', subresource: key, namespace: '', name: v });
  }
  requireAllowed(stores, requester, checks);
  const finalGroups = [...groups];
  if (sa && groups.length === 0) finalGroups.push('system:serviceaccounts', `system:serviceaccounts:${sa.namespace}`);
  if (username !== 'system:anonymous' && !finalGroups.includes(AUTHENTICATED)) finalGroups.push(AUTHENTICATED);
  return { username, uid: uids[0] ?? '', groups: finalGroups, extra };
}
