// The review APIs, answered from the same authenticator and RBAC authorizer that guard
// every request: TokenReview (authentication.k8s.io/v1), SubjectAccessReview,
// LocalSubjectAccessReview, SelfSubjectAccessReview, SelfSubjectRulesReview
// (authorization.k8s.io/v1), SelfSubjectReview (`kubectl auth whoami`), and TokenRequest
// on serviceaccounts/token (`kubectl create token`). None is stored: each answers 201 with
// the object it was sent and a status.

import type { ObjectStore } from '../object-store.ts';
import { isObject } from '../patch.ts';
import { badRequest, invalid, notFound, type StatusCause } from '../status.ts';
import type { JsonObject } from '../types.ts';
import { authorize, rulesFor, type RbacStores } from './authorizer.ts';
import type { TokenAuthenticator } from './tokens.ts';
import type { Attributes, UserInfo } from './types.ts';

export interface ReviewDeps {
  readonly rbac: RbacStores;
  readonly authn: TokenAuthenticator;
  readonly serviceaccounts: ObjectStore;
}

export interface ReviewRequest {
  resource: string;
  subresource: string | null;
  namespace: string | null;
  name: string | null;
  /** The (possibly impersonated) requester. */
  user: UserInfo;
  body: unknown;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

function answer(apiVersion: string, kind: string, body: JsonObject, spec: unknown, status: JsonObject): { status: number; body: JsonObject } {
  const meta = isObject(body['metadata']) ? body['metadata'] : {};
  return { status: 201, body: { kind, apiVersion, metadata: { ...meta, creationTimestamp: null }, spec: spec ?? {}, status } };
}

/** spec.resourceAttributes / spec.nonResourceAttributes -> the authorizer's input. */
function attributesOf(kind: string, spec: JsonObject, defaultNamespace: string | null): Attributes {
  const ra = isObject(spec['resourceAttributes']) ? spec['resourceAttributes'] : null;
  const nra = isObject(spec['nonResourceAttributes']) ? spec['nonResourceAttributes'] : null;
  if ((ra === null) === (nra === null)) {
    throw invalid(kind, 'authorization.k8s.io', '', [
      { field: 'spec.resourceAttributes', reason: 'FieldValueInvalid', message: 'Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified' },
    ]);
  }
  if (nra) return { kind: 'nonresource', verb: str(nra['verb']), path: str(nra['path']) };
  const r = ra ?? {};
  const namespace = str(r['namespace']);
  if (defaultNamespace !== null && namespace !== '' && namespace !== defaultNamespace) {
    throw invalid(kind, 'authorization.k8s.io', '', [
      { field: 'spec.resourceAttributes.namespace', reason: 'FieldValueInvalid', message: `Invalid value: "${namespace}": must match metadata.namespace` },
    ]);
  }
  return {
    kind: 'resource',
    verb: str(r['verb']),
    group: str(r['group']),
    resource: str(r['resource']),
    subresource: str(r['subresource']),
    namespace: namespace === '' && defaultNamespace !== null ? defaultNamespace : namespace,
    name: str(r['name']),
  };
}

function decisionStatus(deps: ReviewDeps, user: UserInfo, a: Attributes): JsonObject {
  const d = authorize(deps.rbac, user, a);
  return d.reason === '' ? { allowed: d.allowed } : { allowed: d.allowed, reason: d.reason };
}

export function answerReview(deps: ReviewDeps, req: ReviewRequest): { status: number; body: JsonObject } {
  if (!isObject(req.body)) throw badRequest('the body of the request is not an object');
  const body = req.body;
  const spec = isObject(body['spec']) ? body['spec'] : {};
  switch (req.resource) {
    case 'tokenreviews': {
      const token = str(spec['token']);
      if (token === '') throw invalid('TokenReview', 'authentication.k8s.io', '', [{ field: 'spec.token', reason: 'FieldValueRequired', message: 'Required value: token is required' }]);
      const result = deps.authn.authenticate(token, strings(spec['audiences']));
      const status: JsonObject = result
        ? { authenticated: true, user: { username: result.user.username, uid: result.user.uid, groups: result.user.groups, ...(result.user.extra ? { extra: result.user.extra } : {}) }, audiences: result.audiences }
        : { user: {}, error: '[invalid bearer token, token lookup failed]' };
      return answer('authentication.k8s.io/v1', 'TokenReview', body, spec, status);
    }
    case 'selfsubjectreviews': {
      const u = req.user;
      return answer('authentication.k8s.io/v1', 'SelfSubjectReview', body, undefined, { userInfo: { username: u.username, uid: u.uid, groups: u.groups, ...(u.extra ? { extra: u.extra } : {}) } });
    }
    case 'subjectaccessreviews':
    case 'localsubjectaccessreviews': {
      const kind = req.resource === 'subjectaccessreviews' ? 'SubjectAccessReview' : 'LocalSubjectAccessReview';
      const a = attributesOf(kind, spec, req.resource === 'localsubjectaccessreviews' ? (req.namespace ?? '') : null);
      const user = str(spec['user']);
      const groups = strings(spec['groups']);
      if (user === '' && groups.length === 0) {
        throw invalid(kind, 'authorization.k8s.io', '', [{ field: 'spec.user', reason: 'FieldValueInvalid', message: 'Invalid value: "": at least one of user or group must be specified' }]);
      }
      const extra = isObject(spec['extra']) ? (spec['extra'] as Record<string, string[]>) : {};
      return answer('authorization.k8s.io/v1', kind, body, spec, decisionStatus(deps, { username: user, uid: str(spec['uid']), groups, extra }, a));
    }
    case 'selfsubjectaccessreviews': {
      const a = attributesOf('SelfSubjectAccessReview', spec, null);
      return answer('authorization.k8s.io/v1', 'SelfSubjectAccessReview', body, spec, decisionStatus(deps, req.user, a));
    }
    case 'selfsubjectrulesreviews': {
      const namespace = str(spec['namespace']);
      const rules = rulesFor(deps.rbac, req.user, namespace);
      const resourceRules = rules.filter((r) => (r.nonResourceURLs ?? []).length === 0).map((r) => ({ verbs: r.verbs, apiGroups: r.apiGroups ?? [], resources: r.resources ?? [], ...(r.resourceNames?.length ? { resourceNames: r.resourceNames } : {}) }));
      const nonResourceRules = rules.filter((r) => (r.nonResourceURLs ?? []).length > 0).map((r) => ({ verbs: r.verbs, nonResourceURLs: r.nonResourceURLs ?? [] }));
      return answer('authorization.k8s.io/v1', 'SelfSubjectRulesReview', body, spec, { resourceRules, nonResourceRules, incomplete: false });
    }
    case 'serviceaccounts': {
      // TokenRequest: POST .../serviceaccounts/NAME/token
      const ns = req.namespace ?? '';
      const sa = deps.serviceaccounts.get(ns, req.name ?? '');
      if (!sa) throw notFound('serviceaccounts', '', req.name ?? '');
      const causes: StatusCause[] = [];
      const raw = spec['expirationSeconds'];
      const seconds = raw === undefined || raw === null || raw === 0 ? 3600 : Number(raw);
      if (!Number.isInteger(seconds) || seconds < 600) causes.push({ field: 'spec.expirationSeconds', reason: 'FieldValueInvalid', message: `Invalid value: ${String(raw)}: may not specify a duration less than 10 minutes` });
      else if (seconds > 2 ** 32) causes.push({ field: 'spec.expirationSeconds', reason: 'FieldValueTooLong', message: `Invalid value: ${String(raw)}: may not specify a duration larger than 2^32 seconds` });
      if (causes.length > 0) throw invalid('TokenRequest', 'authentication.k8s.io', sa.metadata.name, causes);
      // The API server caps requested lifetimes at 48 h (--service-account-max-token-expiration).
      const granted = Math.min(seconds, 48 * 3600);
      const audiences = strings(spec['audiences']);
      const issued = deps.authn.issue(sa, audiences, granted);
      const meta = { name: sa.metadata.name, namespace: ns, creationTimestamp: null };
      return {
        status: 201,
        body: {
          kind: 'TokenRequest',
          apiVersion: 'authentication.k8s.io/v1',
          metadata: meta,
          spec: { ...spec, audiences: audiences.length > 0 ? audiences : ['https://kubernetes.default.svc.cluster.local'], expirationSeconds: granted, boundObjectRef: spec['boundObjectRef'] ?? null },
          status: { token: issued.token, expirationTimestamp: issued.expirationTimestamp },
        },
      };
    }
    default:
      throw notFound(req.resource, '', req.name ?? '');
  }
}

/** Resources that only answer POST with a review (no store behind them). */
export const REVIEW_RESOURCES = new Set(['tokenreviews', 'selfsubjectreviews', 'subjectaccessreviews', 'localsubjectaccessreviews', 'selfsubjectaccessreviews', 'selfsubjectrulesreviews']);
