// HOOKD_AUTH=kubernetes: the same questions Kubernetes itself would ask, put with
// SubjectAccessReview for the caller's user, uid and groups, with short-lived caches
// (TokenReview answers for at most 60 s, SubjectAccessReview answers for at most 10 s, so
// a revoked right stops new execs within 10 s).
//
// An exec needs `get` and `create` on pods/exec (a WebSocket exec is a GET, and Kubernetes
// 1.35 checks create as well). Asked once per namespace (name ""); only when the
// namespace-wide answer is no is the pod asked by name, since a rule with resourceNames can
// allow one pod and not the namespace: RBAC makes that exact.

import { createHash } from 'node:crypto';
import type { AccessQuestion, Reviews, ReviewedUser } from '../kube/reviews.ts';
import { TtlCache } from './ttl-cache.ts';

export interface KubeAuthorizerOptions {
  readonly tokenTtlMs?: number;
  readonly accessTtlMs?: number;
  readonly maxEntries?: number;
}

/** Why an exec is refused, or null when it is allowed. */
export interface ExecDenial {
  readonly verb: 'get' | 'create';
  readonly namespace: string;
  readonly pod: string;
}

/** A user as hookd records it (caller.ts): the name, uid and groups a TokenReview gave. */
export interface KubeUser {
  readonly name: string;
  readonly uid: string;
  readonly groups: readonly string[];
}

export interface KubeAuthorizer {
  authenticate(token: string): Promise<ReviewedUser | null>;
  can(user: KubeUser, q: AccessQuestion): Promise<boolean>;
  /** null: the user may exec into the pod. */
  execDenial(user: KubeUser, namespace: string, pod: string): Promise<ExecDenial | null>;
}

export const MAX_TOKEN_TTL_MS = 60_000;
export const MAX_ACCESS_TTL_MS = 10_000;

export function createKubeAuthorizer(reviews: Reviews, opts: KubeAuthorizerOptions = {}): KubeAuthorizer {
  const max = opts.maxEntries ?? 10_000;
  const tokens = new TtlCache<ReviewedUser | null>(Math.min(opts.tokenTtlMs ?? 30_000, MAX_TOKEN_TTL_MS), max);
  const answers = new TtlCache<boolean>(Math.min(opts.accessTtlMs ?? MAX_ACCESS_TTL_MS, MAX_ACCESS_TTL_MS), max);

  const can = (user: KubeUser, q: AccessQuestion): Promise<boolean> => {
    const key = JSON.stringify([user.name, user.uid, [...user.groups].sort(), q.verb, q.group, q.resource, q.subresource ?? '', q.namespace, q.name ?? '']);
    return answers.get(key, async () => (await reviews.subjectAccessReview({ username: user.name, uid: user.uid, groups: user.groups }, q)).allowed);
  };

  const execDenial = async (user: KubeUser, namespace: string, pod: string): Promise<ExecDenial | null> => {
    for (const verb of ['create', 'get'] as const) {
      const q = { verb, group: '', resource: 'pods', subresource: 'exec', namespace };
      if (await can(user, q)) continue;
      if (await can(user, { ...q, name: pod })) continue;
      return { verb, namespace, pod };
    }
    return null;
  };

  return {
    // Keyed by the token's digest: the cache never holds a token.
    authenticate: (token) => tokens.get(createHash('sha256').update(token).digest('hex'), () => reviews.tokenReview(token)),
    can,
    execDenial,
  };
}
