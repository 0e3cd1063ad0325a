// Is the Kubernetes API server reachable with our credentials? GET /version with a short
// timeout, for /readyz. Never throws: the answer is data.

import { VersionApi } from './client-node.ts';
import type { KubeConfig } from '@kubernetes/client-node';
import { callKube } from './request.ts';

export interface KubeHealth {
  check(signal?: AbortSignal): Promise<{ ok: boolean; server: string; error?: string }>;
  /**
   * True when the API server is hookd's simulated cluster, known by the version it reports;
   * false for any other server, and when it cannot be asked (callers fail closed on false).
   */
  isSimulated(signal?: AbortSignal): Promise<boolean>;
}

/** The suffix of the simulated cluster's gitVersion (v1.34.0-hookd-sim). */
const SIM_VERSION_SUFFIX = '-hookd-sim';

export function createKubeHealth(kc: KubeConfig, timeoutMs = 2_000): KubeHealth {
  const api = kc.makeApiClient(VersionApi);
  const server = kc.getCurrentCluster()?.server ?? '';
  return {
    async check(signal) {
      try {
        await callKube(kc, 'GET /version', (o) => api.getCode({}, o), { signal, timeoutMs });
        return { ok: true, server };
      } catch (err) {
        return { ok: false, server, error: err instanceof Error ? err.message : String(err) };
      }
    },
    async isSimulated(signal) {
      try {
        const version = await callKube(kc, 'GET /version', (o) => api.getCode({}, o), { signal, timeoutMs });
        return version.gitVersion.endsWith(SIM_VERSION_SUFFIX);
      } catch {
        return false;
      }
    },
  };
}
