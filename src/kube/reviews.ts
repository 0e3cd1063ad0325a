// The two questions hookd puts to the Kubernetes API on behalf of its callers (HOOKD_AUTH=
// kubernetes): TokenReview (authentication.k8s.io/v1: whose token is this?) and
// SubjectAccessReview (authorization.k8s.io/v1: may this user, with these groups, do this?).
// hookd's own ServiceAccount needs `create` on both (the ClusterRole system:auth-delegator).
// Caching lives with the callers (src/auth/kube-access.ts); this file only asks.

import { AuthenticationV1Api, AuthorizationV1Api } from './client-node.ts';
import type { KubeConfig } from '@kubernetes/client-node';
import { callKube } from './request.ts';

export interface ReviewedUser {
  readonly username: string;
  readonly uid: string;
  readonly groups: readonly string[];
}

/** What is asked of RBAC: a verb on a resource (with its subresource) in a namespace, or on one object. */
export interface AccessQuestion {
  readonly verb: string;
  readonly group: string;
  readonly resource: string;
  readonly subresource?: string;
  /** "" : cluster-wide (or every namespace). */
  readonly namespace: string;
  /** "" : any object. */
  readonly name?: string;
}

export interface AccessAnswer {
  readonly allowed: boolean;
  /** RBAC's reason, when it gave one. */
  readonly reason: string;
}

export interface Reviews {
  /** null when the cluster does not accept the token. */
  tokenReview(token: string, signal?: AbortSignal): Promise<ReviewedUser | null>;
  subjectAccessReview(user: ReviewedUser, q: AccessQuestion, signal?: AbortSignal): Promise<AccessAnswer>;
}

export function createReviews(kc: KubeConfig): Reviews {
  const authn = kc.makeApiClient(AuthenticationV1Api);
  const authz = kc.makeApiClient(AuthorizationV1Api);
  return {
    async tokenReview(token, signal) {
      const r = await callKube(kc, 'TokenReview', (o) => authn.createTokenReview({ body: { spec: { token } } }, o), { signal, timeoutMs: 10_000 });
      const u = r.status?.user;
      if (r.status?.authenticated !== true || !u?.username) return null;
      return { username: u.username, uid: u.uid ?? '', groups: u.groups ?? [] };
    },
    async subjectAccessReview(user, q, signal) {
      const body = {
        spec: {
          user: user.username,
          uid: user.uid,
          groups: [...user.groups],
          resourceAttributes: {
            verb: q.verb,
            group: q.group,
            resource: q.resource,
            subresource: q.subresource ?? '',
            namespace: q.namespace,
            name: q.name ?? '',
          },
        },
      };
      const r = await callKube(kc, `SubjectAccessReview ${q.verb} ${q.resource}`, (o) => authz.createSubjectAccessReview({ body }, o), { signal, timeoutMs: 10_000 });
      return { allowed: r.status?.allowed === true && r.status.denied !== true, reason: r.status?.reason ?? '' };
    },
  };
}
