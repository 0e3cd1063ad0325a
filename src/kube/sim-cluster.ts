// The simulated cluster for the quick start. It is its own package, @hookd/kube-sim, and a
// devDependency: a production install (`npm ci --omit=dev`, the container image) does not
// have it, so hookd loads it only when HOOKD_KUBE asks for it, and says plainly when it is
// absent. The specifier is a variable so that the compiler never pulls the sim into
// hookd's own build.

import { ConfigError, type Config } from '../config.ts';

export interface SimStartOptions {
  readonly port: number;
  readonly kubeconfigPath: string;
  /** HOOKD_SIM_CONFINE: 'bwrap' confines each exec; the sim refuses to start where bwrap cannot run. */
  readonly execConfinement: Config['simConfine'];
}

/** What hookd uses of the simulated cluster. */
export interface SimClusterHandle {
  /** The kubeconfig text of its admin user. */
  readonly kubeconfig: string;
  /** Where that kubeconfig was written (mode 0600). */
  readonly kubeconfigPath: string;
  stop(): Promise<void>;
}

interface SimModule {
  startSimCluster(options: SimStartOptions): Promise<SimClusterHandle>;
}

const SIM_PACKAGE = '@hookd/kube-sim';

function isSimModule(value: unknown): value is SimModule {
  return typeof value === 'object' && value !== null && typeof (value as { startSimCluster?: unknown }).startSimCluster === 'function';
}

function isModuleNotFound(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}

/** Starts the simulated cluster, or throws a ConfigError when this install has none. */
export async function startSimulatedCluster(options: SimStartOptions, specifier: string = SIM_PACKAGE): Promise<SimClusterHandle> {
  let mod: unknown;
  try {
    mod = await import(specifier);
  } catch (err) {
    if (!isModuleNotFound(err)) throw err;
    throw new ConfigError([
      `HOOKD_KUBE: the simulated cluster (${specifier}) is not installed here: it ships only with the development install (npm ci), never in a production install or the container image; set HOOKD_KUBE=kubeconfig (with KUBECONFIG) or in-cluster to use a real cluster`,
    ]);
  }
  if (!isSimModule(mod)) throw new ConfigError([`HOOKD_KUBE: ${specifier} does not export startSimCluster`]);
  try {
    return await mod.startSimCluster(options);
  } catch (err) {
    // A confinement asked for and not to be had is a configuration error, as any other.
    if ((err as { code?: unknown } | null)?.code === 'SIM_CONFINEMENT_UNAVAILABLE' && err instanceof Error) throw new ConfigError([err.message]);
    throw err;
  }
}
