// The roles and bindings an API server creates at start (k8s.io/kubernetes
// plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go), cut down to the resources
// the sim serves: cluster-admin for system:masters; discovery, public info and the
// self-reviews for every authenticated user; system:auth-delegator (TokenReview and
// SubjectAccessReview, what a service that authenticates its own callers is bound to); and
// the user-facing admin, edit and view, aggregated from their system:aggregate-to-* parts
// exactly as a cluster does, so a ClusterRole labelled aggregate-to-edit extends edit.

import type { PolicyRule } from './types.ts';

const READ = ['get', 'list', 'watch'];
const WRITE = ['create', 'delete', 'deletecollection', 'patch', 'update'];
const READ_WRITE = [...READ, ...WRITE];
const AGG = 'rbac.authorization.k8s.io/aggregate-to-';

export interface BootstrapRole {
  name: string;
  labels?: Record<string, string>;
  rules: PolicyRule[];
  /** Label selectors whose ClusterRoles' rules this one takes (aggregationRule.clusterRoleSelectors). */
  aggregateFrom?: Record<string, string>[];
}

export interface BootstrapBinding {
  name: string;
  role: string;
  groups: string[];
}

const core = (verbs: string[], resources: string[]): PolicyRule => ({ verbs, apiGroups: [''], resources });

export const BOOTSTRAP_ROLES: BootstrapRole[] = [
  { name: 'cluster-admin', rules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }, { verbs: ['*'], nonResourceURLs: ['*'] }] },
  {
    name: 'system:discovery',
    rules: [{ verbs: ['get'], nonResourceURLs: ['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/openapi', '/openapi/*', '/readyz', '/version', '/version/'] }],
  },
  { name: 'system:public-info-viewer', rules: [{ verbs: ['get'], nonResourceURLs: ['/healthz', '/livez', '/readyz', '/version', '/version/'] }] },
  {
    name: 'system:basic-user',
    rules: [
      { verbs: ['create'], apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'] },
      { verbs: ['create'], apiGroups: ['authentication.k8s.io'], resources: ['selfsubjectreviews'] },
    ],
  },
  {
    name: 'system:auth-delegator',
    rules: [
      { verbs: ['create'], apiGroups: ['authentication.k8s.io'], resources: ['tokenreviews'] },
      { verbs: ['create'], apiGroups: ['authorization.k8s.io'], resources: ['subjectaccessreviews'] },
    ],
  },
  { name: 'admin', labels: {}, rules: [], aggregateFrom: [{ [`${AGG}admin`]: 'true' }] },
  { name: 'edit', labels: { [`${AGG}admin`]: 'true' }, rules: [], aggregateFrom: [{ [`${AGG}edit`]: 'true' }] },
  { name: 'view', labels: { [`${AGG}edit`]: 'true' }, rules: [], aggregateFrom: [{ [`${AGG}view`]: 'true' }] },
  {
    name: 'system:aggregate-to-admin',
    labels: { [`${AGG}admin`]: 'true' },
    rules: [
      { verbs: ['create'], apiGroups: ['authorization.k8s.io'], resources: ['localsubjectaccessreviews'] },
      { verbs: READ_WRITE, apiGroups: ['rbac.authorization.k8s.io'], resources: ['rolebindings', 'roles'] },
    ],
  },
  {
    name: 'system:aggregate-to-edit',
    labels: { [`${AGG}edit`]: 'true' },
    rules: [
      core(READ, ['pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy', 'secrets', 'services/proxy']),
      core(['impersonate'], ['serviceaccounts']),
      core(WRITE, ['pods', 'pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy']),
      core(['create'], ['pods/eviction']),
      core(WRITE, ['configmaps', 'events', 'persistentvolumeclaims', 'replicationcontrollers', 'replicationcontrollers/scale', 'secrets', 'serviceaccounts', 'services', 'services/proxy']),
      core(['create'], ['serviceaccounts/token']),
    ],
  },
  {
    name: 'system:aggregate-to-view',
    labels: { [`${AGG}view`]: 'true' },
    rules: [
      core(READ, ['configmaps', 'endpoints', 'persistentvolumeclaims', 'persistentvolumeclaims/status', 'pods', 'replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts', 'services', 'services/status']),
      core(READ, ['bindings', 'events', 'limitranges', 'namespaces/status', 'pods/log', 'pods/status', 'replicationcontrollers/status', 'resourcequotas', 'resourcequotas/status']),
      core(READ, ['namespaces']),
    ],
  },
];

export const BOOTSTRAP_BINDINGS: BootstrapBinding[] = [
  { name: 'cluster-admin', role: 'cluster-admin', groups: ['system:masters'] },
  { name: 'system:discovery', role: 'system:discovery', groups: ['system:authenticated'] },
  { name: 'system:public-info-viewer', role: 'system:public-info-viewer', groups: ['system:authenticated', 'system:unauthenticated'] },
  { name: 'system:basic-user', role: 'system:basic-user', groups: ['system:authenticated'] },
];
