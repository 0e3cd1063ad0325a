// Discovery and OpenAPI documents, enough for kubectl to map "pods", "ns" and
// "restores.velero.io" to URLs, and to learn (from OpenAPI v3) that the server checks
// fields itself (the fieldValidation parameter on PATCH), so `kubectl apply` sends
// ?fieldValidation=Strict instead of validating against a schema it would have to download.
// Aggregated discovery (apidiscovery.k8s.io/v2) is not offered: kubectl falls back to
// these legacy documents when the answer is plain application/json.

import type { JsonObject } from '../types.ts';
import { schemasFor } from './openapi-schemas.ts';

export const SIM_VERSION = {
  major: '1',
  minor: '34',
  emulationMajor: '1',
  emulationMinor: '34',
  minCompatibilityMajor: '1',
  minCompatibilityMinor: '33',
  gitVersion: 'v1.34.0-hookd-sim',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2025-08-27T00:00:00Z',
  goVersion: 'go1.24.6',
  compiler: 'gc',
  platform: 'linux/amd64',
};

export function apiVersions(hostPort: string): JsonObject {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: hostPort }] };
}

const EVENT_VERBS = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];

export const CORE_RESOURCES: JsonObject = {
  kind: 'APIResourceList',
  groupVersion: 'v1',
  resources: [
    { name: 'events', singularName: 'event', namespaced: true, kind: 'Event', verbs: EVENT_VERBS, shortNames: ['ev'] },
    {
      name: 'namespaces',
      singularName: 'namespace',
      namespaced: false,
      kind: 'Namespace',
      verbs: ['create', 'get', 'list', 'watch'],
      shortNames: ['ns'],
    },
    {
      name: 'pods',
      singularName: 'pod',
      namespaced: true,
      kind: 'Pod',
      verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
      shortNames: ['po'],
      categories: ['all'],
    },
    { name: 'pods/exec', singularName: '', namespaced: true, kind: 'PodExecOptions', verbs: ['create', 'get'] },
    { name: 'pods/log', singularName: '', namespaced: true, kind: 'Pod', verbs: ['get'] },
    { name: 'pods/status', singularName: '', namespaced: true, kind: 'Pod', verbs: ['get', 'patch', 'update'] },
    {
      name: 'serviceaccounts',
      singularName: 'serviceaccount',
      namespaced: true,
      kind: 'ServiceAccount',
      verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
      shortNames: ['sa'],
    },
    { name: 'serviceaccounts/token', singularName: '', namespaced: true, group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest', verbs: ['create'] },
  ],
};

const CRUD = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

/** The built-in groups besides the core one: RBAC and the review APIs. */
const BUILTIN_GROUPS: { name: string; resources: JsonObject[] }[] = [
  {
    name: 'events.k8s.io',
    resources: [{ name: 'events', singularName: 'event', namespaced: true, kind: 'Event', verbs: EVENT_VERBS, shortNames: ['ev'] }],
  },
  {
    name: 'rbac.authorization.k8s.io',
    resources: [
      { name: 'clusterrolebindings', singularName: 'clusterrolebinding', namespaced: false, kind: 'ClusterRoleBinding', verbs: CRUD },
      { name: 'clusterroles', singularName: 'clusterrole', namespaced: false, kind: 'ClusterRole', verbs: CRUD },
      { name: 'rolebindings', singularName: 'rolebinding', namespaced: true, kind: 'RoleBinding', verbs: CRUD },
      { name: 'roles', singularName: 'role', namespaced: true, kind: 'Role', verbs: CRUD },
    ],
  },
  {
    name: 'authentication.k8s.io',
    resources: [
      { name: 'selfsubjectreviews', singularName: 'selfsubjectreview', namespaced: false, kind: 'SelfSubjectReview', verbs: ['create'] },
      { name: 'tokenreviews', singularName: 'tokenreview', namespaced: false, kind: 'TokenReview', verbs: ['create'] },
    ],
  },
  {
    name: 'authorization.k8s.io',
    resources: [
      { name: 'localsubjectaccessreviews', singularName: 'localsubjectaccessreview', namespaced: true, kind: 'LocalSubjectAccessReview', verbs: ['create'] },
      { name: 'selfsubjectaccessreviews', singularName: 'selfsubjectaccessreview', namespaced: false, kind: 'SelfSubjectAccessReview', verbs: ['create'] },
      { name: 'selfsubjectrulesreviews', singularName: 'selfsubjectrulesreview', namespaced: false, kind: 'SelfSubjectRulesReview', verbs: ['create'] },
      { name: 'subjectaccessreviews', singularName: 'subjectaccessreview', namespaced: false, kind: 'SubjectAccessReview', verbs: ['create'] },
    ],
  },
];

const groupVersion = (name: string) => ({ groupVersion: `${name}/v1`, version: 'v1' });

/** /apis/<group> for a built-in group, or null. */
export function builtinGroup(name: string): JsonObject | null {
  if (!BUILTIN_GROUPS.some((g) => g.name === name)) return null;
  return { kind: 'APIGroup', apiVersion: 'v1', name, versions: [groupVersion(name)], preferredVersion: groupVersion(name) };
}

/** /apis/<group>/v1 for a built-in group, or null. */
export function builtinResources(name: string): JsonObject | null {
  const g = BUILTIN_GROUPS.find((x) => x.name === name);
  return g ? { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: `${name}/v1`, resources: g.resources } : null;
}

const VELERO_VERSION = { groupVersion: 'velero.io/v1', version: 'v1' };

export const VELERO_GROUP: JsonObject = {
  kind: 'APIGroup',
  apiVersion: 'v1',
  name: 'velero.io',
  versions: [VELERO_VERSION],
  preferredVersion: VELERO_VERSION,
};

export const API_GROUPS: JsonObject = {
  kind: 'APIGroupList',
  apiVersion: 'v1',
  groups: [
    ...BUILTIN_GROUPS.map((g) => ({ name: g.name, versions: [groupVersion(g.name)], preferredVersion: groupVersion(g.name) })),
    { name: 'velero.io', versions: [VELERO_VERSION], preferredVersion: VELERO_VERSION },
  ],
};

export const VELERO_RESOURCES: JsonObject = {
  kind: 'APIResourceList',
  apiVersion: 'v1',
  groupVersion: 'velero.io/v1',
  resources: [
    {
      name: 'restores',
      singularName: 'restore',
      namespaced: true,
      kind: 'Restore',
      verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
      categories: ['velero'],
    },
  ],
};

// ---- OpenAPI v3: one document per group-version ----

interface KindDoc {
  group: string;
  version: string;
  kind: string;
  schema: string;
  itemPath: string;
}

const KINDS: Record<string, KindDoc[]> = {
  'api/v1': [
    { group: '', version: 'v1', kind: 'Pod', schema: 'io.k8s.api.core.v1.Pod', itemPath: '/api/v1/namespaces/{namespace}/pods/{name}' },
    { group: '', version: 'v1', kind: 'Namespace', schema: 'io.k8s.api.core.v1.Namespace', itemPath: '/api/v1/namespaces/{name}' },
    { group: '', version: 'v1', kind: 'ServiceAccount', schema: 'io.k8s.api.core.v1.ServiceAccount', itemPath: '/api/v1/namespaces/{namespace}/serviceaccounts/{name}' },
    { group: '', version: 'v1', kind: 'Event', schema: 'io.k8s.api.core.v1.Event', itemPath: '/api/v1/namespaces/{namespace}/events/{name}' },
  ],
  'apis/events.k8s.io/v1': [
    { group: 'events.k8s.io', version: 'v1', kind: 'Event', schema: 'io.k8s.api.events.v1.Event', itemPath: '/apis/events.k8s.io/v1/namespaces/{namespace}/events/{name}' },
  ],
  'apis/rbac.authorization.k8s.io/v1': (['Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding'] as const).map((kind) => ({
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    kind,
    schema: `io.k8s.api.rbac.v1.${kind}`,
    itemPath: `/apis/rbac.authorization.k8s.io/v1/${kind.startsWith('Cluster') ? '' : 'namespaces/{namespace}/'}${kind.toLowerCase()}s/{name}`,
  })),
  'apis/velero.io/v1': [
    {
      group: 'velero.io',
      version: 'v1',
      kind: 'Restore',
      schema: 'io.velero.v1.Restore',
      itemPath: '/apis/velero.io/v1/namespaces/{namespace}/restores/{name}',
    },
  ],
};

/** Bumped when the documents change, so kubectl's disk cache (keyed by hash) is refreshed. */
const OPENAPI_HASH = 'hookdsim3';

export function openApiV3Index(): JsonObject {
  const paths: JsonObject = {};
  for (const gv of Object.keys(KINDS)) paths[gv] = { serverRelativeURL: `/openapi/v3/${gv}?hash=${OPENAPI_HASH}` };
  return { paths };
}

const PATCH_PARAMS = ['dryRun', 'fieldManager', 'fieldValidation', 'force'].map((name) => ({
  name,
  in: 'query',
  schema: { type: name === 'force' ? 'boolean' : 'string', uniqueItems: true },
}));

export function openApiV3Document(gv: string): JsonObject | null {
  const kinds = KINDS[gv];
  if (!kinds) return null;
  const paths: JsonObject = {};
  for (const k of kinds) {
    const gvk = { group: k.group, version: k.version, kind: k.kind };
    const ref = { $ref: `#/components/schemas/${k.schema}` };
    const ok = { '200': { description: 'OK', content: { 'application/json': { schema: ref } } } };
    paths[k.itemPath] = {
      get: { 'x-kubernetes-action': 'get', 'x-kubernetes-group-version-kind': gvk, responses: ok },
      put: { 'x-kubernetes-action': 'put', 'x-kubernetes-group-version-kind': gvk, parameters: PATCH_PARAMS, responses: ok },
      patch: { 'x-kubernetes-action': 'patch', 'x-kubernetes-group-version-kind': gvk, parameters: PATCH_PARAMS, responses: ok },
    };
  }
  // Typed, described schemas (openapi-schemas.ts) that stay open: the sim stores what it is
  // given and does not check field names against them.
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes (hookd simulated cluster)', version: SIM_VERSION.gitVersion },
    paths,
    components: { schemas: schemasFor(kinds.map((k) => k.schema)) },
  };
}
