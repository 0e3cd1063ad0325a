// Builds "who may do what" from the configuration: the access policy the API asks, the
// authorizer the workers ask, and the guard that keeps HOOKD_AUTH=none to a loopback API in
// front of the simulated cluster (anything else would let anyone who reaches the port run
// commands wherever hookd's credentials reach).

import type { KubeConfig } from '@kubernetes/client-node';
import { VersionApi } from '@kubernetes/client-node';
import { isLoopbackHost, type Config } from '../config.ts';
import { callKube } from '../kube/request.ts';
import { createReviews } from '../kube/reviews.ts';
import type { Logger } from '../log.ts';
import { createKubeAuthorizer, type KubeAuthorizerOptions } from './kube-authorizer.ts';
import { kubernetesPolicy, nonePolicy, tokensPolicy, type AccessPolicy } from './policy.ts';
import { legacyTokens, tokenTable, watchTokensFile, type TokenTable } from './tokens-file.ts';
import { createWorkerAuthorizer, type WorkerAuthorizer } from './worker-authorizer.ts';

export interface Access {
  readonly policy: AccessPolicy;
  readonly worker: WorkerAuthorizer | null;
  close(): void;
}

/** A setting hookd refuses to start with: main.ts exits 2 with the message. */
export class UnsafeSettingError extends Error {
  override readonly name = 'UnsafeSettingError';
}

/** The sim answers /version with a gitVersion of its own ("v1.34.0-hookd-sim"). */
export async function isSimulatedCluster(kc: KubeConfig): Promise<boolean> {
  try {
    const v = await callKube(kc, 'GET /version', (o) => kc.makeApiClient(VersionApi).getCode(o), { timeoutMs: 5000 });
    return /-hookd-sim$/.test(v.gitVersion);
  } catch {
    return false;
  }
}

export async function checkAuthAllowed(config: Config, kc: KubeConfig, embeddedSim: boolean): Promise<void> {
  if (config.auth !== 'none' || config.role === 'worker') return;
  const how = config.authDefaulted ? 'no HOOKD_AUTH is set, so it would be none' : 'HOOKD_AUTH=none';
  if (!isLoopbackHost(config.host)) {
    throw new UnsafeSettingError(`${how}, but HOOKD_HOST=${config.host} is not a loopback address: set HOOKD_AUTH=kubernetes (callers send Kubernetes tokens) or HOOKD_AUTH=tokens with HOOKD_TOKENS_FILE`);
  }
  if (!embeddedSim && !(await isSimulatedCluster(kc))) {
    throw new UnsafeSettingError(`${how}, but the Kubernetes API at ${kc.getCurrentCluster()?.server ?? '?'} is not the simulated cluster: set HOOKD_AUTH=kubernetes (callers send Kubernetes tokens) or HOOKD_AUTH=tokens with HOOKD_TOKENS_FILE`);
  }
}

export function createAccess(config: Config, kc: KubeConfig, log: Logger, opts: KubeAuthorizerOptions = {}): Access {
  switch (config.auth) {
    case 'none':
      return { policy: nonePolicy(), worker: createWorkerAuthorizer('none', {}), close: () => undefined };
    case 'kubernetes': {
      const kube = createKubeAuthorizer(createReviews(kc), opts);
      return { policy: kubernetesPolicy(kube), worker: createWorkerAuthorizer('kubernetes', { kube }), close: () => undefined };
    }
    case 'tokens': {
      const legacy = legacyTokens(config.apiTokens);
      if (legacy.length > 0) log.warn('HOOKD_API_TOKENS is deprecated: every such token may do everything; use HOOKD_TOKENS_FILE with named tokens and rights');
      let table: TokenTable;
      if (config.tokensFile === null) {
        table = tokenTable(legacy);
      } else {
        const path = config.tokensFile;
        const watched = watchTokensFile(path, (err, count) => {
          if (err) log.error({ file: path, err: err.message }, 'tokens file not reloaded: it does not parse; the previous tokens stay in force');
          else log.info({ file: path, tokens: count }, 'tokens file reloaded');
        });
        // Legacy tokens first: a file entry never shadows them silently (names differ).
        table = legacy.length === 0 ? watched : mergedTable(legacy, watched);
      }
      return { policy: tokensPolicy(table), worker: createWorkerAuthorizer('tokens', { tokens: table }), close: () => table.close() };
    }
  }
}

function mergedTable(legacy: ReturnType<typeof legacyTokens>, file: TokenTable): TokenTable {
  const old = tokenTable(legacy);
  return {
    lookup: (t) => old.lookup(t) ?? file.lookup(t),
    reaches: (c, ns) => old.reaches(c, ns) || file.reaches(c, ns),
    close: () => file.close(),
  };
}

