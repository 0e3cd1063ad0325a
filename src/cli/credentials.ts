// Which bearer token the plugin sends. --token, then HOOKD_TOKEN; else, when hookd checks
// tokens with the cluster (--auth kubernetes or HOOKD_AUTH=kubernetes), the token of the
// current kubeconfig context's user, found as kubectl finds it: --kubeconfig, else every
// file of KUBECONFIG merged (the first file to set a name or the current context wins),
// else ~/.kube/config; --context picks another context. The user's `token`, `tokenFile`
// (relative to its kubeconfig), or what an auth provider or exec credential plugin gives
// (client-node runs them). A cluster credential is sent to hookd only when asked for.

import { readFileSync, existsSync } from 'node:fs';
import { delimiter, dirname, isAbsolute, join } from 'node:path';
import type { KubeConfig, User } from '@kubernetes/client-node';
import { parse as parseYaml } from 'yaml';

export class CredentialsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CredentialsError';
  }
}

export interface TokenRequest {
  readonly token: string | null;
  readonly auth: string | null;
  readonly kubeconfig: string | null;
  readonly context: string | null;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** The kubeconfig files kubectl would read, in order. */
export function kubeconfigFiles(flag: string | null, env: Readonly<Record<string, string | undefined>>): string[] {
  if (flag !== null) {
    if (!existsSync(flag)) throw new CredentialsError(`--kubeconfig ${flag}: no such file`);
    return [flag];
  }
  const listed = (env['KUBECONFIG'] ?? '').split(delimiter).filter((p) => p !== '');
  if (listed.length > 0) {
    // kubectl skips files of the list that do not exist.
    const present = listed.filter((p) => existsSync(p));
    if (present.length === 0) throw new CredentialsError(`KUBECONFIG names ${listed.join(delimiter)}, but none of them exists`);
    return present;
  }
  const home = env['HOME'];
  const fallback = home === undefined || home === '' ? null : join(home, '.kube', 'config');
  if (fallback === null || !existsSync(fallback)) throw new CredentialsError('no kubeconfig: set KUBECONFIG or pass --kubeconfig (~/.kube/config does not exist)');
  return [fallback];
}

interface Loaded {
  readonly kc: KubeConfig;
  /** tokenFile of each user, made absolute: client-node reads only `token-file`. */
  readonly tokenFiles: ReadonlyMap<string, string>;
}

async function load(files: readonly string[]): Promise<Loaded> {
  // Loaded only when a kubeconfig is asked for: client-node takes a while to import.
  const { KubeConfig } = await import('../kube/client-node.ts');
  const merged = new KubeConfig();
  const clusters = new Map<string, unknown>();
  const users = new Map<string, User>();
  const contexts = new Map<string, unknown>();
  const tokenFiles = new Map<string, string>();
  let current = '';
  for (const file of files) {
    const one = new KubeConfig();
    try {
      one.loadFromFile(file);
    } catch (err) {
      // The message names the file only: a kubeconfig's contents can hold tokens and keys.
      throw new CredentialsError(`cannot read the kubeconfig ${file}: ${err instanceof Error ? err.message.split('\n')[0] : 'invalid'}`);
    }
    if (current === '') current = one.getCurrentContext() ?? '';
    for (const c of one.getClusters()) if (!clusters.has(c.name)) clusters.set(c.name, c);
    for (const c of one.getContexts()) if (!contexts.has(c.name)) contexts.set(c.name, c);
    const raw = rawTokenFiles(file);
    for (const u of one.getUsers()) {
      if (users.has(u.name)) continue;
      users.set(u.name, u);
      const tf = raw.get(u.name);
      if (tf !== undefined) tokenFiles.set(u.name, isAbsolute(tf) ? tf : join(dirname(file), tf));
    }
  }
  merged.loadFromOptions({ clusters: [...clusters.values()], users: [...users.values()], contexts: [...contexts.values()], currentContext: current });
  return { kc: merged, tokenFiles };
}

function rawTokenFiles(file: string): Map<string, string> {
  const out = new Map<string, string>();
  const doc = parseYaml(readFileSync(file, 'utf8')) as { users?: Array<{ name?: unknown; user?: { tokenFile?: unknown } | null }> } | null;
  for (const u of doc?.users ?? []) {
    if (typeof u?.name === 'string' && typeof u.user?.tokenFile === 'string' && u.user.tokenFile !== '') out.set(u.name, u.user.tokenFile);
  }
  return out;
}

/** The token of a kubeconfig context's user, as kubectl would send it to that context's cluster. */
export async function kubeconfigToken(files: readonly string[], contextName: string | null): Promise<string> {
  const { kc, tokenFiles } = await load(files);
  const name = contextName ?? kc.getCurrentContext();
  if (name === '' || name === undefined) throw new CredentialsError(`the kubeconfig (${files.join(delimiter)}) has no current context: pass --context`);
  const context = kc.getContextObject(name);
  if (context === null) throw new CredentialsError(`context "${name}" is not in the kubeconfig (${files.join(delimiter)})`);
  const user = context.user === undefined ? null : kc.getUser(context.user);
  if (user === null) throw new CredentialsError(`context "${name}" names no user the kubeconfig has`);
  if (user.token !== undefined && user.token !== null && user.token !== '') return user.token.trim();
  const tokenFile = tokenFiles.get(user.name);
  if (tokenFile !== undefined) {
    try {
      return readFileSync(tokenFile, 'utf8').trim();
    } catch {
      throw new CredentialsError(`user "${user.name}" of context "${name}": cannot read its tokenFile ${tokenFile}`);
    }
  }
  if (user.exec || user.authProvider) {
    const { KubeConfig } = await import('../kube/client-node.ts');
    const one = new KubeConfig();
    // Only the user: hookd is not that cluster, and its TLS settings do not concern us.
    one.loadFromClusterAndUser({ name: 'hookd', server: 'https://hookd.invalid', skipTLSVerify: false }, user);
    const opts: { headers?: Record<string, string> } = { headers: {} };
    try {
      await one.applyToHTTPSOptions(opts);
    } catch (err) {
      throw new CredentialsError(`user "${user.name}" of context "${name}": its credential plugin failed: ${err instanceof Error ? err.message.split('\n')[0] : 'error'}`);
    }
    const header = opts.headers?.['Authorization'] ?? opts.headers?.['authorization'];
    if (typeof header === 'string' && header.startsWith('Bearer ')) return header.slice('Bearer '.length);
  }
  throw new CredentialsError(
    `user "${user.name}" of context "${name}" has no bearer token (client certificates and passwords cannot be passed on to hookd): pass --token`,
  );
}

/** The token to send, or null for none. */
export async function resolveToken(r: TokenRequest): Promise<string | null> {
  if (r.token !== null && r.token !== '') return r.token;
  const fromEnv = r.env['HOOKD_TOKEN'];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  const mode = r.auth ?? r.env['HOOKD_AUTH'] ?? 'none';
  if (mode !== 'kubernetes') return null;
  return kubeconfigToken(kubeconfigFiles(r.kubeconfig, r.env), r.context);
}
