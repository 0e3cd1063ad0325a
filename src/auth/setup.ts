// Builds "who may do what" from the configuration: the access policy the API asks and the
// authorizer the workers ask. (HOOKD_AUTH=none is kept to a loopback API in front of the
// simulated cluster by config.ts and runtime.ts, which refuse anything else.)

import type { KubeConfig } from '@kubernetes/client-node';
import type { Config } from '../config.ts';
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

