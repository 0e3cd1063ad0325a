// Which cluster hookd talks to (HOOKD_KUBE), and loading its configuration.
// client-node's loadFromDefault() silently falls back to http://localhost:8080 when nothing
// is configured, so we never call it: the source is chosen explicitly and a
// configuration without a usable current cluster fails loudly, naming the file.
// Error messages never quote kubeconfig contents: they can hold tokens and keys.

import { existsSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { KubeConfig } from './client-node.ts';
import { KubeError } from './errors.ts';
import { applyTokenFiles, kubeconfigDir, tokenFilesOf } from './token-file-auth.ts';

export type KubeMode = 'auto' | 'sim' | 'kubeconfig' | 'in-cluster';

export type KubeSource = { kind: 'in-cluster' } | { kind: 'kubeconfig'; path: string } | { kind: 'sim' };

export type KubeConfigInput = { kind: 'in-cluster' } | { kind: 'kubeconfig'; path: string } | { kind: 'kubeconfig-text'; text: string };

/** Where a pod's service account is mounted (client-node reads the same place). */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

function configError(message: string, cause?: unknown): KubeError {
  return new KubeError('KUBE_ERROR', message, null, cause === undefined ? undefined : { cause });
}

/** KUBECONFIG entries as kubectl reads them: a path list, empty entries ignored. */
function kubeconfigPaths(value: string | undefined): string[] {
  return (value ?? '').split(delimiter).filter((p) => p.length > 0);
}

/**
 * Chooses the cluster. `auto`: in-cluster when KUBERNETES_SERVICE_HOST is set and the
 * service-account token exists; else KUBECONFIG (when set, one of its files must exist:
 * a user who points at a config means a real cluster, so we fail rather than fall back);
 * else ~/.kube/config when present; else the simulated cluster, but never inside a pod.
 * `path` keeps KUBECONFIG's list form when it names several files (merged on load).
 */
export function resolveKubeSource(
  mode: KubeMode,
  env: { KUBECONFIG?: string | undefined; KUBERNETES_SERVICE_HOST?: string | undefined; HOME?: string | undefined },
  serviceAccountDir: string = SERVICE_ACCOUNT_DIR,
): KubeSource {
  const inClusterReady = (env.KUBERNETES_SERVICE_HOST ?? '') !== '' && existsSync(join(serviceAccountDir, 'token'));
  const fromEnv = kubeconfigPaths(env.KUBECONFIG);
  const homeConfig = env.HOME !== undefined && env.HOME !== '' ? join(env.HOME, '.kube', 'config') : null;

  const kubeconfigSource = (): KubeSource | null => {
    if (fromEnv.length > 0) {
      const present = fromEnv.filter((p) => existsSync(p));
      if (present.length === 0) {
        throw configError(`KUBECONFIG names ${fromEnv.join(delimiter)}, but no such file exists`);
      }
      return { kind: 'kubeconfig', path: present.join(delimiter) };
    }
    if (homeConfig !== null && existsSync(homeConfig)) return { kind: 'kubeconfig', path: homeConfig };
    return null;
  };

  switch (mode) {
    case 'sim':
      return { kind: 'sim' };
    case 'in-cluster':
      if (!inClusterReady) {
        throw configError(
          `HOOKD_KUBE=in-cluster, but ${(env.KUBERNETES_SERVICE_HOST ?? '') === '' ? 'KUBERNETES_SERVICE_HOST is not set' : `${join(serviceAccountDir, 'token')} does not exist`}: hookd is not running in a pod with a service account`,
        );
      }
      return { kind: 'in-cluster' };
    case 'kubeconfig': {
      const source = kubeconfigSource();
      if (source === null) {
        throw configError(`HOOKD_KUBE=kubeconfig, but KUBECONFIG is not set and ${homeConfig ?? '~/.kube/config (HOME is not set)'} does not exist`);
      }
      return source;
    }
    case 'auto': {
      if (inClusterReady) return { kind: 'in-cluster' };
      const configured = kubeconfigSource();
      if (configured) return configured;
      // Inside a pod, the simulated cluster would run callers' commands in hookd's own
      // container: a pod without its token is a broken deployment, not a demo.
      if ((env.KUBERNETES_SERVICE_HOST ?? '') !== '') {
        throw configError(
          `HOOKD_KUBE=auto in a pod (KUBERNETES_SERVICE_HOST is set), but ${join(serviceAccountDir, 'token')} does not exist: mount the service account token, or set HOOKD_KUBE; hookd never picks the simulated cluster inside a pod`,
        );
      }
      return { kind: 'sim' };
    }
  }
}

function loadFile(kc: KubeConfig, path: string): void {
  try {
    kc.loadFromFile(path);
  } catch (err) {
    // js-yaml's message quotes the offending lines: keep only its reason.
    const reason = typeof err === 'object' && err !== null && 'reason' in err ? String(err.reason) : err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw configError(`cannot load kubeconfig ${path}: ${reason}`, err);
  }
}

/**
 * Loads the configuration and checks that it names a current cluster with a usable
 * server URL. Returns the server URL for the start-up log line.
 */
export function loadKubeConfig(source: KubeConfigInput): { kc: KubeConfig; server: string } {
  const kc = new KubeConfig();
  let origin: string;
  switch (source.kind) {
    case 'in-cluster': {
      const host = process.env['KUBERNETES_SERVICE_HOST'] ?? '';
      const port = process.env['KUBERNETES_SERVICE_PORT'] ?? '';
      if (host === '' || port === '') throw configError('in-cluster configuration needs KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT');
      kc.loadFromCluster();
      origin = 'the in-cluster service account';
      break;
    }
    case 'kubeconfig': {
      const paths = kubeconfigPaths(source.path);
      const [first, ...rest] = paths;
      if (first === undefined) throw configError('no kubeconfig path given');
      loadFile(kc, first);
      // As kubectl does: the first file that sets a current-context wins.
      for (const path of rest) {
        const more = new KubeConfig();
        loadFile(more, path);
        try {
          kc.mergeConfig(more, (kc.getCurrentContext() ?? '') !== '');
        } catch (err) {
          throw configError(`cannot merge kubeconfig ${path}: ${err instanceof Error ? err.message : String(err)}`, err);
        }
      }
      applyTokenFiles(kc, tokenFilesOf(paths.map((p) => ({ text: readFileSync(p, 'utf8'), dir: kubeconfigDir(p) }))));
      origin = `kubeconfig ${source.path}`;
      break;
    }
    case 'kubeconfig-text':
      try {
        kc.loadFromString(source.text);
      } catch (err) {
        const reason = typeof err === 'object' && err !== null && 'reason' in err ? String(err.reason) : 'not valid YAML';
        throw configError(`cannot load the given kubeconfig: ${reason}`, err);
      }
      applyTokenFiles(kc, tokenFilesOf([{ text: source.text, dir: process.cwd() }]));
      origin = 'the given kubeconfig';
      break;
  }

  const contextName = kc.getCurrentContext();
  if (contextName === undefined || contextName === '') throw configError(`${origin} has no current-context`);
  if (kc.getContextObject(contextName) === null) throw configError(`${origin}: current-context "${contextName}" is not among its contexts`);
  const cluster = kc.getCurrentCluster();
  if (cluster === null) throw configError(`${origin}: the cluster of context "${contextName}" is not among its clusters`);
  let url: URL;
  try {
    url = new URL(cluster.server);
  } catch (err) {
    throw configError(`${origin}: cluster "${cluster.name}" has no valid server URL`, err);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw configError(`${origin}: cluster "${cluster.name}" server must be http(s), not ${url.protocol}`);
  }
  // client-node refuses plain HTTP on every request unless TLS verification is off; say it now.
  if (url.protocol === 'http:' && cluster.skipTLSVerify !== true) {
    throw configError(`${origin}: cluster "${cluster.name}" uses plain http, which client-node only accepts with insecure-skip-tls-verify: true`);
  }
  return { kc, server: cluster.server };
}
