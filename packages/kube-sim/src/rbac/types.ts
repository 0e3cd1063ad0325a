// The vocabulary of authentication and RBAC, as k8s.io/apiserver and the rbac/v1 API name
// it: who is asking (UserInfo), what they ask (Attributes, the authorizer's input), and
// the rules, subjects and role references that RBAC objects hold.

export interface UserInfo {
  username: string;
  uid: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

export interface ResourceAttributes {
  kind: 'resource';
  verb: string;
  /** "" is the core group. */
  group: string;
  resource: string;
  subresource: string;
  /** "" for a cluster-scoped request (or "all namespaces" for a namespaced resource). */
  namespace: string;
  /** "" when the request names no object (list, create). */
  name: string;
}

export interface NonResourceAttributes {
  kind: 'nonresource';
  verb: string;
  path: string;
}

export type Attributes = ResourceAttributes | NonResourceAttributes;

export interface PolicyRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

export interface Subject {
  kind: string;
  apiGroup?: string;
  name: string;
  namespace?: string;
}

export interface RoleRef {
  apiGroup: string;
  kind: string;
  name: string;
}

export interface Decision {
  allowed: boolean;
  /** Why, in the API server's words ("RBAC: allowed by RoleBinding ..."), or "" when no rule allowed it. */
  reason: string;
}

export const RBAC_GROUP = 'rbac.authorization.k8s.io';
export const AUTHENTICATED = 'system:authenticated';
export const SA_PREFIX = 'system:serviceaccount:';
