// The kubeconfig kubectl and client-node use unchanged: one cluster (plain HTTP on
// 127.0.0.1), one user with a bearer token, one context made current.
// client-node 2.0.1 throws "HTTP protocol is not allowed when skipTLSVerify is not set"
// for an http:// server, hence insecure-skip-tls-verify (meaningless without TLS).

import { chmodSync, writeFileSync } from 'node:fs';

export const SIM_CONTEXT = 'hookd-sim';

/** YAML by hand: the layout is fixed and the values are a URL and a token we generated or were given. */
export function renderKubeconfig(server: string, token: string, namespace = 'default'): string {
  const q = (s: string): string => JSON.stringify(s);
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: ${SIM_CONTEXT}`,
    '  cluster:',
    `    server: ${q(server)}`,
    // client-node 2.x refuses a plain-HTTP server unless this is set; there is no TLS to skip.
    '    insecure-skip-tls-verify: true',
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
