// startSimCluster: wires the state, the kubelet, exec, faults, counters and the HTTP
// server together, listens on 127.0.0.1, writes the kubeconfig, and returns the handle
// tests, the demo and the benchmark drive the cluster with.

import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { ClusterState } from './cluster-state.ts';
import { Counters } from './counters.ts';
import { confinementFromEnv, probeConfinement, type ExecRunner } from './exec/confine.ts';
import { ExecManager } from './exec/manager.ts';
import { FaultInjector } from './faults.ts';
import { newObject } from './rbac/objects.ts';
import { TokenAuthenticator } from './rbac/tokens.ts';
import { createSimServer } from './http/server.ts';
import { renderKubeconfig, writeKubeconfig } from './kubeconfig.ts';
import { selfSignedCertificate } from './tls.ts';
import { Kubelet } from './kubelet.ts';
import type { StoredObject } from './object-store.ts';
import { SimError } from './status.ts';
import type { ExecHandler, ExecResult, ScriptMatch, SimCluster, SimOptions } from './types.ts';

const DEFAULTS = {
  scheduleMs: 50,
  startMs: 100,
  readyMs: 100,
  terminateMs: 200,
  watchHistory: 50_000,
  bookmarkIntervalMs: 60_000,
  execPingIntervalMs: 10_000,
};

export const SIM_ADMIN_USER = 'hookd-sim-admin';
const NAMESPACE_FULL = 'hookd-sim:namespace-full';

/**
 * The namespace-limited tokens are ordinary users: a ClusterRole allowing everything, bound
 * by a RoleBinding in each of their namespaces (a namespace that does not exist yet gets
 * its binding all the same, so it applies once the namespace is created).
 */
function bindLimitedTokens(state: ClusterState, extra: readonly { namespaces: string[] }[]): void {
  if (extra.length === 0) return;
  state.createObject('clusterroles', null, { metadata: { name: NAMESPACE_FULL }, rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }] });
  extra.forEach((t, i) => {
    for (const ns of t.namespaces) {
      state.rolebindings.insert(
        newObject('rolebindings', ns, {
          metadata: { name: `hookd-sim:limited-${i + 1}` },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: NAMESPACE_FULL },
          subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: `hookd-sim:limited-${i + 1}` }],
        }),
      );
    }
  });
}

/** The programmatic API hands out copies: a caller mutating a result must not change the cluster. */
function copy(o: StoredObject): object {
  return structuredClone(o);
}

export async function startSimCluster(options: SimOptions = {}): Promise<SimCluster> {
  const logger = options.logger;
  const counters = new Counters();
  const state = new ClusterState({ historyLimit: options.watchHistory ?? DEFAULTS.watchHistory, gauge: counters });
  const lifecycle = options.lifecycle ?? {};
  const kubelet = new Kubelet(state, {
    scheduleMs: lifecycle.scheduleMs ?? DEFAULTS.scheduleMs,
    startMs: lifecycle.startMs ?? DEFAULTS.startMs,
    readyMs: lifecycle.readyMs ?? DEFAULTS.readyMs,
    terminateMs: lifecycle.terminateMs ?? DEFAULTS.terminateMs,
  });
  const confine = options.execConfinement ?? confinementFromEnv(process.env);
  const runner: ExecRunner = confine === 'bwrap' ? { kind: 'bwrap', bwrap: probeConfinement() } : { kind: 'none' };
  logger?.info({ execConfinement: confine }, confine === 'bwrap' ? 'exec commands are confined by bwrap to their container folders' : 'exec commands run as host processes with the rights of the user who started the simulated cluster');
  const exec = new ExecManager(state, options.execPingIntervalMs ?? DEFAULTS.execPingIntervalMs, logger, runner);
  const faults = new FaultInjector(options.faultSeed ?? randomBytes(4).readUInt32LE(0));
  const token = options.token ?? randomBytes(24).toString('base64url');
  for (const name of ['default', 'kube-system', 'kube-public']) state.createNamespace({ metadata: { name } });
  const authn = new TokenAuthenticator(state.serviceaccounts, [
    { token, username: SIM_ADMIN_USER, groups: ['system:masters'] },
    ...(options.extraTokens ?? []).map((t, i) => ({ token: t.token, username: `hookd-sim:limited-${i + 1}` })),
    ...(options.users ?? []),
  ]);
  bindLimitedTokens(state, options.extraTokens ?? []);

  const setContainerState: SimCluster['setContainerState'] = (namespace, pod, container, s, opts = {}) =>
    kubelet.setContainerState(namespace, pod, container, s, opts);
  const countersSnapshot = (): ReturnType<SimCluster['counters']> => counters.snapshot(exec.snapshot());
  const resetCounters = (): void => {
    counters.reset();
    exec.resetStats();
    state.timeline.reset();
  };

  const tls = selfSignedCertificate();
  let address = '';
  const server = createSimServer({
    state,
    kubelet,
    exec,
    faults,
    counters,
    authn,
    rbac: state,
    bookmarkIntervalMs: options.bookmarkIntervalMs ?? DEFAULTS.bookmarkIntervalMs,
    hostPort: () => address,
    logger,
    admin: {
      counters: countersSnapshot,
      resetCounters,
      timeline: () => state.timeline.snapshot(),
      faults,
      setScript: (match: ScriptMatch, result: ExecResult) => exec.scripts.set(match, () => result),
      clearScripts: () => exec.scripts.clear(),
      setContainerState: (ns, pod, c, s, opts) => setContainerState(ns, pod, c, s, opts),
    },
  }, tls);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // A deep accept queue: client-node opens a new TLS connection per request, and a
    // benchmark may open thousands at once.
    server.listen({ port: options.port ?? 0, host: '127.0.0.1', backlog: 4096 }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  address = `127.0.0.1:${port}`;
  const url = `https://${address}`;
  const kubeconfig = renderKubeconfig(url, tls.certPem, token);
  const kubeconfigPath = options.kubeconfigPath ?? null;
  if (kubeconfigPath) writeKubeconfig(kubeconfigPath, kubeconfig);
  logger?.info({ url, kubeconfigPath }, 'simulated cluster listening');

  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      kubelet.stop();
      state.dispose();
      await exec.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      logger?.info({ url }, 'simulated cluster stopped');
    })();
    return stopping;
  };

  return {
    url,
    token,
    ca: tls.certPem,
    kubeconfig,
    kubeconfigPath,
    stop,
    createNamespace(name: string, labels?: Record<string, string>): void {
      state.createNamespace({ metadata: { name, ...(labels ? { labels } : {}) } });
    },
    createPod(namespace: string, manifest: object): object {
      return copy(state.createPod(namespace, manifest));
    },
    patchPodStatus(namespace: string, name: string, status: object): object {
      return copy(state.patch(state.pods, namespace, name, 'strategic', { status }, 'status'));
    },
    setContainerState,
    deletePod(namespace: string, name: string, opts?: { graceMs?: number }): void {
      state.deletePod(namespace, name, opts?.graceMs ?? 0);
    },
    getPod(namespace: string, name: string): object | undefined {
      const pod = state.pods.get(namespace, name);
      return pod ? copy(pod) : undefined;
    },
    scripts: {
      set: (match: ScriptMatch, handler: ExecHandler) => exec.scripts.set(match, handler),
      clear: () => exec.scripts.clear(),
    },
    faults,
    counters: countersSnapshot,
    timeline: () => state.timeline.snapshot(),
    resetCounters,
  };
}

export { SimError };
