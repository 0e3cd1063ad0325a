// The `demo` namespace the README's curl walkthrough uses. Seeded only on the simulated
// cluster (never on a real one), through the Kubernetes API like any client would.
// Exec on the simulated cluster runs real processes on this host, in a folder per container.

import type { KubeConfig, V1Pod } from '@kubernetes/client-node';
import { CoreV1Api, CustomObjectsApi } from './kube/client-node.ts';

export const DEMO_NAMESPACE = 'demo';
export const DEMO_RESTORE = 'demo-restore';
export const VELERO_NAMESPACE = 'velero';

const A = 'post.hook.restore.velero.io';

function pod(name: string, app: string, containers: string[], annotations: Record<string, string> = {}): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: DEMO_NAMESPACE,
      labels: { app, 'velero.io/restore-name': DEMO_RESTORE, 'velero.io/backup-name': 'demo-backup' },
      annotations,
    },
    spec: { containers: containers.map((c) => ({ name: c, image: `example.com/${c}:1` })) },
  };
}

export const demoPods: readonly V1Pod[] = [
  // An annotation hook that must succeed before anything else matters: onError Fail, wait for ready.
  pod('postgres-0', 'postgres', ['postgres', 'metrics'], {
    [`${A}/container`]: 'postgres',
    [`${A}/command`]: '["/bin/sh", "-c", "echo unfreezing $HOSTNAME; echo unfrozen > state; cat state"]',
    [`${A}/on-error`]: 'Fail',
    [`${A}/wait-for-ready`]: 'true',
    [`${A}/exec-timeout`]: '10s',
  }),
  // A hook that fails with an exit code, and a misspelt key that Velero would ignore in silence.
  pod('search-0', 'search', ['search'], {
    [`${A}/command`]: '["/bin/sh", "-c", "echo rebuilding index; echo index is corrupt >&2; exit 3"]',
    [`${A}/wait-timeout`]: '5 minutes',
    [`${A}/on-eror`]: 'Fail',
  }),
  // No annotations: these take the Restore's spec hooks, matched by label.
  pod('cache-0', 'cache', ['redis']),
  pod('cache-1', 'cache', ['redis']),
];

export const demoRestore = {
  apiVersion: 'velero.io/v1',
  kind: 'Restore',
  metadata: { name: DEMO_RESTORE, namespace: VELERO_NAMESPACE },
  spec: {
    backupName: 'demo-backup',
    hooks: {
      resources: [
        {
          name: 'warm-cache',
          includedNamespaces: [DEMO_NAMESPACE],
          labelSelector: { matchLabels: { app: 'cache' } },
          postHooks: [
            { init: { initContainers: [{ name: 'restore-perms', image: 'busybox', command: ['chmod', '-R', '777', '/data'] }] } },
            { exec: { container: 'redis', command: ['/bin/sh', '-c', 'echo warming cache on $HOSTNAME'], waitTimeout: '1m', onError: 'Continue' } },
          ],
        },
      ],
    },
  },
};

function isConflict(err: unknown): boolean {
  return typeof err === 'object' && err !== null && 'code' in err && err.code === 409;
}

/** Creates what is missing; an existing object is left as it is. */
export async function seedDemo(kc: KubeConfig): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  for (const ns of [DEMO_NAMESPACE, VELERO_NAMESPACE]) {
    await core.createNamespace({ body: { metadata: { name: ns } } }).catch((err: unknown) => {
      if (!isConflict(err)) throw err;
    });
  }
  for (const body of demoPods) {
    await core.createNamespacedPod({ namespace: DEMO_NAMESPACE, body }).catch((err: unknown) => {
      if (!isConflict(err)) throw err;
    });
  }
  await custom
    .createNamespacedCustomObject({ group: 'velero.io', version: 'v1', namespace: VELERO_NAMESPACE, plural: 'restores', body: demoRestore })
    .catch((err: unknown) => {
      if (!isConflict(err)) throw err;
    });
}
