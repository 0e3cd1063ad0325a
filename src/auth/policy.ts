// Who may do what, for each HOOKD_AUTH mode. The HTTP side asks
// these questions; each answer is null (allowed) or the message of a 403 that names what
// was missing. The worker asks its own two questions through worker-authorizer.ts.

import type { AuthModeSetting } from '../config.ts';
import type { PodRef } from '../domain/types.ts';
import { callerKey, type Caller, type TokenRight } from './caller.ts';
import type { KubeAuthorizer } from './kube-authorizer.ts';
import type { TokenTable } from './tokens-file.ts';

export type AuthMode = AuthModeSetting;

/** The API group and resource whose RBAC rights reach other callers' jobs. */
export const JOBS_GROUP = 'hookd.io';
export const JOBS_RESOURCE = 'jobs';

export type JobVerb = 'get' | 'list' | 'delete';
/** yes; hidden: answer 404 as for an unknown id; or a 403 message. */
export type JobAccess = { kind: 'yes' } | { kind: 'hidden' } | { kind: 'forbidden'; message: string };

export interface AccessPolicy {
  readonly mode: AuthMode;
  /** The caller behind a bearer token (null when none was sent); null: not a caller (401). */
  authenticate(token: string | null): Promise<Caller | null>;
  maySubmit(caller: Caller): string | null;
  /** Explicit pods: every one needs get and create on pods/exec. */
  mayExecPods(caller: Caller, pods: readonly PodRef[]): Promise<string | null>;
  /** A selector's named namespaces: list pods in each. */
  mayListPods(caller: Caller, namespaces: readonly string[]): Promise<string | null>;
  /** The Velero route: get restores.velero.io. */
  mayReadRestore(caller: Caller, namespace: string, name: string): Promise<string | null>;
  /** A job owned by `ownerKey` (null: a job created without authentication). */
  onJob(caller: Caller, ownerKey: string | null, verb: Exclude<JobVerb, 'list'>): Promise<JobAccess>;
  /** May the caller see every caller's jobs in GET /v1/jobs? */
  listsAll(caller: Caller): Promise<boolean>;
}

const YES: JobAccess = { kind: 'yes' };
const HIDDEN: JobAccess = { kind: 'hidden' };

export function nonePolicy(): AccessPolicy {
  return {
    mode: 'none',
    authenticate: async () => ({ kind: 'anonymous' }),
    maySubmit: () => null,
    mayExecPods: async () => null,
    mayListPods: async () => null,
    mayReadRestore: async () => null,
    onJob: async () => YES,
    listsAll: async () => true,
  };
}

export function kubernetesPolicy(authz: KubeAuthorizer): AccessPolicy {
  const userOf = (c: Caller) => (c.kind === 'user' ? c : null);
  const jobsRight = async (c: Caller, verb: JobVerb): Promise<boolean> => {
    const u = userOf(c);
    return u !== null && authz.can(u, { verb, group: JOBS_GROUP, resource: JOBS_RESOURCE, namespace: '' });
  };
  return {
    mode: 'kubernetes',
    async authenticate(token) {
      if (token === null) return null;
      const u = await authz.authenticate(token);
      return u ? { kind: 'user', name: u.username, uid: u.uid, groups: u.groups } : null;
    },
    maySubmit: (c) => (userOf(c) ? null : 'forbidden: only Kubernetes users may submit jobs'),
    async mayExecPods(c, pods) {
      const u = userOf(c);
      if (!u) return 'forbidden: not a Kubernetes user';
      const denials = await Promise.all(pods.map((p) => authz.execDenial(u, p.namespace, p.name)));
      const i = denials.findIndex((d) => d !== null);
      const d = denials[i];
      const p = pods[i];
      if (!d || !p) return null;
      return `forbidden: user "${u.name}" may not ${d.verb} pods/exec in namespace "${d.namespace}" (pod ${p.namespace}/${p.name}, ${describeIndex(i)})`;
    },
    async mayListPods(c, namespaces) {
      const u = userOf(c);
      if (!u) return 'forbidden: not a Kubernetes user';
      const answers = await Promise.all(namespaces.map((ns) => authz.can(u, { verb: 'list', group: '', resource: 'pods', namespace: ns })));
      const i = answers.indexOf(false);
      return i < 0 ? null : `forbidden: user "${u.name}" may not list pods in namespace "${namespaces[i] ?? ''}" (body.selector.namespaces[${i}])`;
    },
    async mayReadRestore(c, namespace, name) {
      const u = userOf(c);
      if (!u) return 'forbidden: not a Kubernetes user';
      const ok = await authz.can(u, { verb: 'get', group: 'velero.io', resource: 'restores', namespace, name });
      return ok ? null : `forbidden: user "${u.name}" may not get restores.velero.io in namespace "${namespace}" (Restore ${namespace}/${name})`;
    },
    async onJob(c, ownerKey, verb) {
      if (ownerKey !== null && ownerKey === callerKey(c)) return YES;
      if (!(await jobsRight(c, 'get'))) return HIDDEN;
      if (verb === 'get') return YES;
      return (await jobsRight(c, 'delete')) ? YES : { kind: 'forbidden', message: `forbidden: user "${c.kind === 'user' ? c.name : ''}" may not delete ${JOBS_RESOURCE}.${JOBS_GROUP} (another caller's job)` };
    },
    listsAll: (c) => jobsRight(c, 'list'),
  };
}

function describeIndex(i: number): string {
  return `body.pods[${i}]`;
}

export function tokensPolicy(table: TokenTable): AccessPolicy {
  const has = (c: Caller, r: TokenRight): boolean => c.kind === 'token' && c.rights.includes(r);
  const lacks = (c: Caller, r: TokenRight): string => `forbidden: token "${c.kind === 'token' ? c.name : ''}" lacks the right "${r}"`;
  const unreached = (c: Caller, ns: string, where: string): string =>
    `forbidden: token "${c.kind === 'token' ? c.name : ''}" does not reach namespace "${ns}" (${where}; its namespaces: ${c.kind === 'token' ? c.namespaces.join(', ') : ''})`;
  return {
    mode: 'tokens',
    authenticate: async (token) => (token === null ? null : table.lookup(token)),
    maySubmit: (c) => (has(c, 'submit') ? null : lacks(c, 'submit')),
    async mayExecPods(c, pods) {
      const i = pods.findIndex((p) => !table.reaches(c, p.namespace));
      const p = pods[i];
      return p ? unreached(c, p.namespace, `body.pods[${i}] ${p.namespace}/${p.name}`) : null;
    },
    async mayListPods(c, namespaces) {
      const i = namespaces.findIndex((ns) => !table.reaches(c, ns));
      return i < 0 ? null : unreached(c, namespaces[i] ?? '', `body.selector.namespaces[${i}]`);
    },
    mayReadRestore: async (c, namespace, name) => (table.reaches(c, namespace) ? null : unreached(c, namespace, `Restore ${namespace}/${name}`)),
    async onJob(c, ownerKey, verb) {
      if (has(c, 'admin')) return YES;
      if (ownerKey === null || ownerKey !== callerKey(c)) return HIDDEN;
      const right: TokenRight = verb === 'get' ? 'read' : 'cancel';
      return has(c, right) ? YES : { kind: 'forbidden', message: lacks(c, right) };
    },
    listsAll: async (c) => has(c, 'admin'),
  };
}
