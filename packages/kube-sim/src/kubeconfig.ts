// The kubeconfig kubectl and client-node use unchanged: one cluster (HTTPS on 127.0.0.1,
// its self-signed certificate as the CA), one user with a bearer token, one context made
// current.

import { chmodSync, writeFileSync } from 'node:fs';

export const SIM_CONTEXT = 'hookd-sim';

/** YAML by hand: the layout is fixed and the values are a URL and a token we generated or were given. */
export function renderKubeconfig(server: string, caPem: string, token: string, namespace = 'default'): string {
  const q = (s: string): string => JSON.stringify(s);
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: ${SIM_CONTEXT}`,
    '  cluster:',
    `    server: ${q(server)}`,
    `    certificate-authority-data: ${Buffer.from(caPem).toString('base64')}`,
    'contexts:',
    `- name: ${SIM_CONTEXT}`,
    '  context:',
    `    cluster: ${SIM_CONTEXT}`,
    `    user: ${SIM_CONTEXT}`,
    `    namespace: ${q(namespace)}`,
    `current-context: ${SIM_CONTEXT}`,
    'users:',
    `- name: ${SIM_CONTEXT}`,
    '  user:',
    `    token: ${q(token)}`,
    'preferences: {}',
    '',
  ].join('\n');
}

/** Written 0600: the token grants exec on this host. */
export function writeKubeconfig(path: string, text: string): void {
  writeFileSync(path, text, { mode: 0o600 });
  chmodSync(path, 0o600);
}
