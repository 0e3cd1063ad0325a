// The RBAC and ServiceAccount objects as the API server keeps them: what a valid Role,
// ClusterRole, RoleBinding and ClusterRoleBinding holds (rbac/validation: verbs required,
// a rule names resources or non-resource URLs, a roleRef of a known kind that never
// changes, subjects of a known kind), the ClusterRole aggregation controller, and the
// objects a new cluster starts with.

import { isObject } from '../patch.ts';
import type { ObjectStore, StoredObject } from '../object-store.ts';
import { prepareMeta } from '../pod-rules.ts';
import { invalid, type StatusCause } from '../status.ts';
import type { JsonObject } from '../types.ts';
import { matchesLabels } from './labels.ts';
import { BOOTSTRAP_BINDINGS, BOOTSTRAP_ROLES } from './bootstrap.ts';
import { RBAC_GROUP } from './types.ts';

export type RbacKind = 'Role' | 'ClusterRole' | 'RoleBinding' | 'ClusterRoleBinding';

const KIND_OF: Record<string, { kind: string; group: string; version: string }> = {
  roles: { kind: 'Role', group: RBAC_GROUP, version: 'v1' },
  clusterroles: { kind: 'ClusterRole', group: RBAC_GROUP, version: 'v1' },
  rolebindings: { kind: 'RoleBinding', group: RBAC_GROUP, version: 'v1' },
  clusterrolebindings: { kind: 'ClusterRoleBinding', group: RBAC_GROUP, version: 'v1' },
  serviceaccounts: { kind: 'ServiceAccount', group: '', version: 'v1' },
};

function strings(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((s) => typeof s === 'string');
}

function checkRules(body: JsonObject, causes: StatusCause[]): void {
  const rules = body['rules'];
  if (rules === undefined || rules === null) return;
  if (!Array.isArray(rules)) {
    causes.push({ field: 'rules', reason: 'FieldValueInvalid', message: 'Invalid value: must be a list' });
    return;
  }
  rules.forEach((r: unknown, i) => {
    const f = `rules[${i}]`;
    if (!isObject(r)) return void causes.push({ field: f, reason: 'FieldValueInvalid', message: 'Invalid value: must be an object' });
    if (!strings(r['verbs']) || r['verbs'].length === 0) causes.push({ field: `${f}.verbs`, reason: 'FieldValueRequired', message: 'Required value: verbs must contain at least one value' });
    for (const k of ['apiGroups', 'resources', 'resourceNames', 'nonResourceURLs']) {
      if (r[k] !== undefined && r[k] !== null && !strings(r[k])) causes.push({ field: `${f}.${k}`, reason: 'FieldValueInvalid', message: 'Invalid value: must be a list of strings' });
    }
    const urls = strings(r['nonResourceURLs']) ? r['nonResourceURLs'] : [];
    const resources = strings(r['resources']) ? r['resources'] : [];
    if (urls.length > 0 && (resources.length > 0 || (strings(r['apiGroups']) && r['apiGroups'].length > 0))) {
      causes.push({ field: `${f}.nonResourceURLs`, reason: 'FieldValueInvalid', message: 'Invalid value: rules cannot apply to both regular resources and non-resource URLs' });
    } else if (urls.length === 0 && resources.length === 0) {
      causes.push({ field: `${f}.resources`, reason: 'FieldValueRequired', message: 'Required value: resource rules must supply at least one api group' });
    } else if (urls.length === 0 && !(strings(r['apiGroups']) && r['apiGroups'].length > 0)) {
      causes.push({ field: `${f}.apiGroups`, reason: 'FieldValueRequired', message: 'Required value: resource rules must supply at least one api group' });
    }
  });
}

function checkBinding(body: JsonObject, namespaced: boolean, causes: StatusCause[]): void {
  const ref = body['roleRef'];
  if (!isObject(ref)) {
    causes.push({ field: 'roleRef', reason: 'FieldValueRequired', message: 'Required value' });
  } else {
    if (ref['apiGroup'] !== RBAC_GROUP) causes.push({ field: 'roleRef.apiGroup', reason: 'FieldValueNotSupported', message: `Unsupported value: ${JSON.stringify(ref['apiGroup'] ?? '')}: supported values: "${RBAC_GROUP}"` });
    const kinds = namespaced ? ['Role', 'ClusterRole'] : ['ClusterRole'];
    if (typeof ref['kind'] !== 'string' || !kinds.includes(ref['kind'])) {
      causes.push({ field: 'roleRef.kind', reason: 'FieldValueNotSupported', message: `Unsupported value: ${JSON.stringify(ref['kind'] ?? '')}: supported values: ${kinds.map((k) => `"${k}"`).join(', ')}` });
    }
    if (typeof ref['name'] !== 'string' || ref['name'] === '') causes.push({ field: 'roleRef.name', reason: 'FieldValueRequired', message: 'Required value' });
  }
  const subjects = body['subjects'];
  if (subjects === undefined || subjects === null) return;
  if (!Array.isArray(subjects)) return void causes.push({ field: 'subjects', reason: 'FieldValueInvalid', message: 'Invalid value: must be a list' });
  subjects.forEach((s: unknown, i) => {
    const f = `subjects[${i}]`;
    if (!isObject(s)) return void causes.push({ field: f, reason: 'FieldValueInvalid', message: 'Invalid value: must be an object' });
    if (typeof s['name'] !== 'string' || s['name'] === '') causes.push({ field: `${f}.name`, reason: 'FieldValueRequired', message: 'Required value' });
    if (s['kind'] === 'ServiceAccount') {
      if (!namespaced && (typeof s['namespace'] !== 'string' || s['namespace'] === '')) causes.push({ field: `${f}.namespace`, reason: 'FieldValueRequired', message: 'Required value' });
    } else if (s['kind'] !== 'User' && s['kind'] !== 'Group') {
      causes.push({ field: `${f}.kind`, reason: 'FieldValueNotSupported', message: `Unsupported value: ${JSON.stringify(s['kind'] ?? '')}: supported values: "ServiceAccount", "User", "Group"` });
    }
  });
}

/** Validates a create or update body for one of these resources; throws 422 Invalid. */
export function checkObject(resource: string, name: string, body: JsonObject, previous: StoredObject | null): void {
  const info = KIND_OF[resource];
  if (!info) return;
  const causes: StatusCause[] = [];
  if (resource === 'roles' || resource === 'clusterroles') checkRules(body, causes);
  if (resource === 'rolebindings' || resource === 'clusterrolebindings') {
    checkBinding(body, resource === 'rolebindings', causes);
    if (previous && JSON.stringify(previous['roleRef']) !== JSON.stringify(body['roleRef'])) {
      causes.push({ field: 'roleRef', reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(body['roleRef'])}: cannot change roleRef` });
    }
  }
  if (causes.length > 0) throw invalid(info.kind, info.group, name, causes);
}

/** A new object of one of these kinds, metadata filled as the API server fills it. */
export function newObject(resource: string, namespace: string | null, body: unknown): StoredObject {
  const info = KIND_OF[resource];
  if (!info) throw new Error(`not an RBAC or ServiceAccount resource: ${resource}`);
  const causes: StatusCause[] = [];
  // RBAC names only need to be path segments ("system:basic-user"); a ServiceAccount's is a DNS subdomain.
  const metadata = prepareMeta(info.kind, info.group, body, namespace, causes, resource === 'serviceaccounts' ? 'dns' : 'path-segment');
  if (causes.length > 0) throw invalid(info.kind, info.group, metadata.name, causes);
  const src = body as JsonObject;
  checkObject(resource, metadata.name, src, null);
  const apiVersion = info.group === '' ? info.version : `${info.group}/${info.version}`;
  return { ...src, apiVersion, kind: info.kind, metadata };
}

/**
 * The ClusterRole aggregation controller: a ClusterRole with an aggregationRule holds the
 * rules of every ClusterRole its selectors match. Repeated until nothing changes, since
 * aggregated roles may themselves be aggregated (view into edit into admin).
 */
export function aggregateClusterRoles(clusterroles: ObjectStore): void {
  for (let round = 0; round < 10; round += 1) {
    let changed = false;
    for (const role of clusterroles.list(null)) {
      const rule = role['aggregationRule'];
      if (!isObject(rule) || !Array.isArray(rule['clusterRoleSelectors'])) continue;
      const selectors = rule['clusterRoleSelectors'].filter(isObject);
      const rules: unknown[] = [];
      const seen = new Set<string>();
      for (const other of clusterroles.list(null)) {
        if (other.metadata.name === role.metadata.name) continue;
        if (!selectors.some((s) => matchesLabels(s, other.metadata.labels ?? {}))) continue;
        for (const r of Array.isArray(other['rules']) ? other['rules'] : []) {
          const key = JSON.stringify(r);
          if (!seen.has(key)) {
            seen.add(key);
            rules.push(r);
          }
        }
      }
      if (JSON.stringify(rules) !== JSON.stringify(role['rules'] ?? [])) {
        clusterroles.update({ ...role, rules });
        changed = true;
      }
    }
    if (!changed) return;
  }
}

export interface SeedStores {
  readonly clusterroles: ObjectStore;
  readonly clusterrolebindings: ObjectStore;
}

/** The bootstrap policy, as an API server reconciles it at start. */
export function seedBootstrapPolicy(stores: SeedStores): void {
  const labels = { 'kubernetes.io/bootstrapping': 'rbac-defaults' };
  for (const r of BOOTSTRAP_ROLES) {
    const body: JsonObject = { metadata: { name: r.name, labels: { ...labels, ...r.labels } }, rules: r.rules };
    if (r.aggregateFrom) body['aggregationRule'] = { clusterRoleSelectors: r.aggregateFrom.map((m) => ({ matchLabels: m })) };
    stores.clusterroles.insert(newObject('clusterroles', null, body));
  }
  for (const b of BOOTSTRAP_BINDINGS) {
    stores.clusterrolebindings.insert(
      newObject('clusterrolebindings', null, {
        metadata: { name: b.name, labels },
        roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: b.role },
        subjects: b.groups.map((g) => ({ apiGroup: RBAC_GROUP, kind: 'Group', name: g })),
      }),
    );
  }
  aggregateClusterRoles(stores.clusterroles);
}
