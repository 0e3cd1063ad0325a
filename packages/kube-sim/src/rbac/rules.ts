// One rule against one request: k8s.io/kubernetes pkg/apis/rbac/v1 evaluation_helpers.go
// (VerbMatches, APIGroupMatches, ResourceMatches with "*" and "*/subresource",
// ResourceNameMatches, NonResourceURLMatches with a trailing "*"), and subject matching
// (rbac/validation AppliesTo: User, Group, and ServiceAccount by namespace and name).

import { SA_PREFIX, type Attributes, type PolicyRule, type Subject, type UserInfo } from './types.ts';

function has(list: readonly string[] | undefined, v: string): boolean {
  return (list ?? []).some((x) => x === '*' || x === v);
}

function resourceMatches(rule: PolicyRule, resource: string, subresource: string): boolean {
  const combined = subresource === '' ? resource : `${resource}/${subresource}`;
  for (const r of rule.resources ?? []) {
    if (r === '*' || r === combined) return true;
    // "*/scale" is the subresource scale of every resource.
    if (subresource !== '' && r === `*/${subresource}`) return true;
  }
  return false;
}

function urlMatches(rule: PolicyRule, path: string): boolean {
  for (const u of rule.nonResourceURLs ?? []) {
    if (u === '*' || u === path) return true;
    if (u.endsWith('*') && path.startsWith(u.slice(0, -1))) return true;
  }
  return false;
}

export function ruleAllows(rule: PolicyRule, a: Attributes): boolean {
  if (!has(rule.verbs, a.verb)) return false;
  if (a.kind === 'nonresource') return urlMatches(rule, a.path);
  if (!has(rule.apiGroups, a.group)) return false;
  if (!resourceMatches(rule, a.resource, a.subresource)) return false;
  const names = rule.resourceNames ?? [];
  return names.length === 0 || names.includes(a.name);
}

/** Does the subject of a binding (in bindingNamespace; "" for a ClusterRoleBinding) name this user? */
export function subjectMatches(s: Subject, user: UserInfo, bindingNamespace: string): boolean {
  switch (s.kind) {
    case 'User':
      return s.name === user.username;
    case 'Group':
      return user.groups.includes(s.name);
    case 'ServiceAccount': {
      const ns = s.namespace && s.namespace !== '' ? s.namespace : bindingNamespace;
      return ns !== '' && user.username === `${SA_PREFIX}${ns}:${s.name}`;
    }
    default:
      return false;
  }
}

/** "system:serviceaccount:ns:name" -> {namespace, name}; null for any other user. */
export function serviceAccountOf(username: string): { namespace: string; name: string } | null {
  if (!username.startsWith(SA_PREFIX)) return null;
  const [namespace, name, ...rest] = username.slice(SA_PREFIX.length).split(':');
  if (!namespace || !name || rest.length > 0) return null;
  return { namespace, name };
}
