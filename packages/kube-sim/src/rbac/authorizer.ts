// The RBAC authorizer (k8s.io/kubernetes plugin/pkg/auth/authorizer/rbac): a request is
// allowed when a rule of a role bound to the user allows it. ClusterRoleBindings apply in
// every namespace and at the cluster scope; RoleBindings only in their own namespace, to a
// Role of that namespace or to a ClusterRole. Nothing is ever denied explicitly: no rule is
// "no". The same walk lists a user's rules for SelfSubjectRulesReview.

import type { ObjectStore, StoredObject } from '../object-store.ts';
import { ruleAllows, subjectMatches } from './rules.ts';
import type { Attributes, Decision, PolicyRule, RoleRef, Subject, UserInfo } from './types.ts';

export interface RbacStores {
  readonly roles: ObjectStore;
  readonly rolebindings: ObjectStore;
  readonly clusterroles: ObjectStore;
  readonly clusterrolebindings: ObjectStore;
}

export function rulesOf(o: StoredObject | undefined): PolicyRule[] {
  const rules = o?.['rules'];
  return Array.isArray(rules) ? (rules as PolicyRule[]) : [];
}

function subjectsOf(o: StoredObject): Subject[] {
  const s = o['subjects'];
  return Array.isArray(s) ? (s as Subject[]) : [];
}

function roleRefOf(o: StoredObject): RoleRef | null {
  const r = o['roleRef'];
  return r !== null && typeof r === 'object' ? (r as RoleRef) : null;
}

interface Grant {
  binding: StoredObject;
  bindingKind: 'ClusterRoleBinding' | 'RoleBinding';
  roleKind: string;
  roleName: string;
  rules: PolicyRule[];
  subject: Subject;
}

/** Every (binding, role) that applies to the user in namespace ("" : cluster-wide grants only). */
function* grants(stores: RbacStores, user: UserInfo, namespace: string): Generator<Grant> {
  for (const b of stores.clusterrolebindings.list(null)) {
    const ref = roleRefOf(b);
    const subject = subjectsOf(b).find((s) => subjectMatches(s, user, ''));
    if (!ref || !subject || ref.kind !== 'ClusterRole') continue;
    yield { binding: b, bindingKind: 'ClusterRoleBinding', roleKind: 'ClusterRole', roleName: ref.name, rules: rulesOf(stores.clusterroles.get('', ref.name)), subject };
  }
  if (namespace === '') return;
  for (const b of stores.rolebindings.list(namespace)) {
    const ref = roleRefOf(b);
    const subject = subjectsOf(b).find((s) => subjectMatches(s, user, namespace));
    if (!ref || !subject) continue;
    const role = ref.kind === 'Role' ? stores.roles.get(namespace, ref.name) : ref.kind === 'ClusterRole' ? stores.clusterroles.get('', ref.name) : undefined;
    yield { binding: b, bindingKind: 'RoleBinding', roleKind: ref.kind, roleName: ref.name, rules: rulesOf(role), subject };
  }
}

function describeSubject(s: Subject, bindingNamespace: string): string {
  if (s.kind === 'ServiceAccount') return `ServiceAccount "${s.namespace || bindingNamespace}/${s.name}"`;
  return `${s.kind} "${s.name}"`;
}

export function authorize(stores: RbacStores, user: UserInfo, a: Attributes): Decision {
  // Non-resource URLs are cluster-scoped: only ClusterRoleBindings grant them.
  const namespace = a.kind === 'resource' ? a.namespace : '';
  for (const g of grants(stores, user, namespace)) {
    if (!g.rules.some((r) => ruleAllows(r, a))) continue;
    const ns = g.binding.metadata.namespace ?? '';
    const where = g.bindingKind === 'RoleBinding' ? `"${g.binding.metadata.name}" of ${g.roleKind} "${g.roleName}" in namespace "${ns}"` : `"${g.binding.metadata.name}" of ClusterRole "${g.roleName}"`;
    return { allowed: true, reason: `RBAC: allowed by ${g.bindingKind} ${where} to ${describeSubject(g.subject, ns)}` };
  }
  return { allowed: false, reason: '' };
}

/** The rules that apply to the user in a namespace (SelfSubjectRulesReview). */
export function rulesFor(stores: RbacStores, user: UserInfo, namespace: string): PolicyRule[] {
  const out: PolicyRule[] = [];
  for (const g of grants(stores, user, namespace)) out.push(...g.rules);
  return out;
}
