// Reading a Velero Restore (velero.io/v1) for its spec.hooks. The hooks are returned as the
// cluster holds them; the caller validates them against the Velero schema before use.

import { CustomObjectsApi } from './client-node.ts';
import type { KubeConfig } from '@kubernetes/client-node';
import type { RestoreHooks } from '../domain/types.ts';
import { callKube } from './request.ts';

export interface RestoreReader {
  /** Rejects with KubeError: KUBE_NOT_FOUND when the Restore does not exist, KUBE_FORBIDDEN when hookd may not read it. */
  read(namespace: string, name: string, signal?: AbortSignal): Promise<{ hooks: RestoreHooks | null; uid: string | null; raw: unknown }>;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function createRestoreReader(kc: KubeConfig): RestoreReader {
  const api = kc.makeApiClient(CustomObjectsApi);
  return {
    async read(namespace, name, signal) {
      const raw: unknown = await callKube(
        kc,
        `read Restore ${namespace}/${name}`,
        (o) => api.getNamespacedCustomObject({ group: 'velero.io', version: 'v1', namespace, plural: 'restores', name }, o),
        { signal },
      );
      const spec = isObject(raw) ? raw['spec'] : undefined;
      const metadata = isObject(raw) ? raw['metadata'] : undefined;
      const uid = isObject(metadata) && typeof metadata['uid'] === 'string' ? metadata['uid'] : null;
      const hooks = isObject(spec) ? spec['hooks'] : undefined;
      // Only the outer shape is checked here; the fields are validated by the caller's schema.
      return { hooks: isObject(hooks) ? (hooks as RestoreHooks) : null, uid, raw };
    },
  };
}
