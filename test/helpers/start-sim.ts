// node:test helper: starts a simulated cluster with its kubeconfig in a temporary file,
// and stops it (closing watches and exec sessions, killing processes, removing the file)
// when the suite ends, or when the given test ends.
//
//   const { sim, kc, kubeconfigPath } = await startSim();                 // stops in after()
//   const env = await startSim({ lifecycle: { startMs: 10 } }, t);          // stops in t.after()

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, type TestContext } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { startSimCluster } from '@hookd/kube-sim';
import type { SimCluster, SimOptions } from '@hookd/kube-sim';

export interface StartedSim {
  sim: SimCluster;
  /** A temporary file holding the kubeconfig (mode 0600), removed at the end. */
  kubeconfigPath: string;
  /** A client-node KubeConfig loaded from it. */
  kc: KubeConfig;
}

export async function startSim(options: SimOptions = {}, t?: TestContext): Promise<StartedSim> {
  const dir = mkdtempSync(join(tmpdir(), 'hookd-sim-test-'));
  const kubeconfigPath = join(dir, 'kubeconfig');
  const sim = await startSimCluster({ ...options, kubeconfigPath });
  const cleanup = async (): Promise<void> => {
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  if (t) t.after(cleanup);
  else after(cleanup);
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  return { sim, kubeconfigPath, kc };
}
