// The worker's side of "Who may do what": right before a pod's first exec it asks again
// whether the job's owner may exec into the pod (rights can be revoked while a pod waits),
// and a selector with no namespaces keeps only the namespaces where the owner may list
// pods. The owner is the user and groups recorded at submission; a job with no owner (made
// with HOOKD_AUTH=none, or by an older hookd) runs only while the mode is none.

import type { PodRef } from '../domain/types.ts';
import type { JobOwner } from './caller.ts';
import type { KubeAuthorizer } from './kube-authorizer.ts';
import type { AuthMode } from './policy.ts';
import type { TokenTable } from './tokens-file.ts';

export interface WorkerAuthorizer {
  /** null: the owner may exec into the pod now; else why not ("forbidden: ..."), the hooks' skip reason. */
  mayExec(owner: JobOwner | null, ref: PodRef): Promise<string | null>;
  mayListPods(owner: JobOwner | null, namespace: string): Promise<boolean>;
}

const NO_OWNER = 'forbidden: the job has no owner (it was created without authentication) and hookd now requires one';

export function createWorkerAuthorizer(mode: AuthMode, deps: { kube?: KubeAuthorizer; tokens?: TokenTable }): WorkerAuthorizer {
  if (mode === 'none') return { mayExec: async () => null, mayListPods: async () => true };
  if (mode === 'tokens') {
    const table = deps.tokens;
    if (!table) throw new Error('tokens mode needs the token table');
    return {
      async mayExec(owner, ref) {
        if (owner === null) return NO_OWNER;
        return table.reaches(owner, ref.namespace) ? null : `forbidden: token "${owner.name}" does not reach namespace "${ref.namespace}"`;
      },
      mayListPods: async (owner, ns) => owner !== null && table.reaches(owner, ns),
    };
  }
  const kube = deps.kube;
  if (!kube) throw new Error('kubernetes mode needs the authorizer');
  return {
    async mayExec(owner, ref) {
      if (owner === null) return NO_OWNER;
      if (owner.kind !== 'user') return `forbidden: ${owner.kind} "${owner.name}" is not a Kubernetes user`;
      const d = await kube.execDenial(owner, ref.namespace, ref.name);
      return d === null ? null : `forbidden: ${owner.name} may not ${d.verb} pods/exec in ${d.namespace}`;
    },
    async mayListPods(owner, ns) {
      if (owner === null || owner.kind !== 'user') return false;
      return kube.can(owner, { verb: 'list', group: '', resource: 'pods', namespace: ns });
    },
  };
}
