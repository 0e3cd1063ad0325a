// Shared setup of the kube integration tests: a real simulated cluster, a real client-node
// KubeConfig pointing at it, and a pino logger whose lines the test can read back.

import { Writable } from 'node:stream';
import type { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import type { Logger } from 'pino';
import { loadKubeConfig } from '../../src/kube/kubeconfig.ts';
import { startSimCluster } from '@hookd/kube-sim';
import type { SimCluster, SimOptions } from '@hookd/kube-sim';

export interface SimEnv {
  sim: SimCluster;
  kc: KubeConfig;
}

export async function startSim(opts: SimOptions = {}): Promise<SimEnv> {
  const sim = await startSimCluster({ port: 0, ...opts });
  const { kc } = loadKubeConfig({ kind: 'kubeconfig-text', text: sim.kubeconfig });
  return { sim, kc };
}

/** A KubeConfig for the same sim with another bearer token (e.g. one limited to namespaces). */
export function kubeConfigWithToken(sim: SimCluster, token: string): KubeConfig {
  const text = sim.kubeconfig.replace(sim.token, token);
  return loadKubeConfig({ kind: 'kubeconfig-text', text }).kc;
}

/**
 * A KubeConfig for a server a test runs itself (a raw or hostile API server), TLS
 * verification off as plain http needs, with a bearer token.
 */
export function rogueKubeConfig(server: string, token = 't'): KubeConfig {
  const text = `apiVersion: v1
kind: Config
clusters: [{ name: rogue, cluster: { server: "${server}", insecure-skip-tls-verify: true } }]
users: [{ name: rogue, user: { token: ${token} } }]
contexts: [{ name: rogue, context: { cluster: rogue, user: rogue } }]
current-context: rogue
`;
  return loadKubeConfig({ kind: 'kubeconfig-text', text }).kc;
}

/**
 * Counts the KubeConfig's credential applications (an exec credential plugin run, a token
 * file read). Those for which `hangs(n)` (n from 1) is true never end, as a credential
 * plugin that does not answer.
 */
export function countApplies(kc: KubeConfig, hangs: (n: number) => boolean = () => false): { readonly applied: number } {
  const counted = { applied: 0 };
  const apply = kc.applyToHTTPSOptions.bind(kc);
  kc.applyToHTTPSOptions = async (opts) => {
    counted.applied++;
    if (hangs(counted.applied)) return new Promise<void>(() => {});
    await apply(opts);
  };
  return counted;
}

export interface LogSink {
  log: Logger;
  lines: Array<Record<string, unknown>>;
}

export function logSink(level = 'debug'): LogSink {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      cb();
    },
  });
  return { log: pino({ level }, stream), lines };
}

/** A pod whose containers the test moves by hand (the sim's kubelet leaves it alone). */
export function manualPod(name: string, containers: string[] = ['app'], labels: Record<string, string> = {}): object {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels, annotations: { 'sim.hookd.io/lifecycle': 'manual' } },
    spec: { containers: containers.map((c) => ({ name: c, image: 'busybox' })) },
  };
}

/**
 * Waits for a condition that has no event of its own (the sim's counters). Checks on
 * every turn of the event loop's timer phase at a short interval; fails with `what`.
 */
export async function until(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
