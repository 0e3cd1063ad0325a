// A kubeconfig user's `tokenFile`, as kubectl (client-go) reads it: the bearer token is the
// file's content without surrounding whitespace, read again when the file changes (a
// rotated token is used without a restart), and a `token` beside it wins. client-node
// drops the field on load (it knows only `token-file`, read once and untrimmed), so such a
// user would send no credentials at all. The loader gives the user an auth provider of our
// own that points at the file, and this authenticator answers for it.

import { readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { KubeConfig, User } from '@kubernetes/client-node';
import { parse } from 'yaml';

const PROVIDER = 'hookd-token-file';

interface Cached {
  readonly token: string;
  readonly mtimeMs: number;
}

function providerPath(user: User): string | null {
  const provider: unknown = user.authProvider;
  if (typeof provider !== 'object' || provider === null) return null;
  const { name, config } = provider as { name?: unknown; config?: { path?: unknown } };
  return name === PROVIDER && typeof config?.path === 'string' ? config.path : null;
}

/** The authenticator client-node asks for users whose provider is ours. */
export function tokenFileAuthenticator(): { isAuthProvider(user: User): boolean; applyAuthentication(user: User, opts: { headers?: unknown }): Promise<void> } {
  const cache = new Map<string, Cached>();
  return {
    isAuthProvider: (user) => providerPath(user) !== null,
    async applyAuthentication(user, opts) {
      const path = providerPath(user);
      if (path === null) return;
      const mtimeMs = statSync(path).mtimeMs;
      let cached = cache.get(path);
      if (cached === undefined || cached.mtimeMs !== mtimeMs) {
        cached = { token: readFileSync(path, 'utf8').trim(), mtimeMs };
        cache.set(path, cached);
      }
      if (cached.token === '') throw new Error(`the kubeconfig user's tokenFile ${path} is empty`);
      const headers = (opts.headers ??= {}) as Record<string, unknown>;
      headers['Authorization'] = `Bearer ${cached.token}`;
    },
  };
}

/** name -> tokenFile (absolute) of the users of kubeconfig texts, the first text naming a user winning (kubectl's merge). */
export function tokenFilesOf(texts: readonly { readonly text: string; readonly dir: string }[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const { text, dir } of texts) {
    let doc: unknown;
    try {
      doc = parse(text);
    } catch {
      continue; // client-node's own load reports a broken file
    }
    const users = (doc as { users?: unknown } | null)?.users;
    if (!Array.isArray(users)) continue;
    for (const entry of users as unknown[]) {
      const { name, user } = (entry ?? {}) as { name?: unknown; user?: { tokenFile?: unknown } };
      if (typeof name !== 'string' || out.has(name) || typeof user?.tokenFile !== 'string' || user.tokenFile === '') continue;
      out.set(name, isAbsolute(user.tokenFile) ? user.tokenFile : resolve(dir, user.tokenFile));
    }
  }
  return out;
}

/**
 * Gives each loaded user that has a tokenFile, and no token, exec plugin or auth provider of
 * its own, our provider for that file. Returns how many users it changed.
 */
export function applyTokenFiles(kc: KubeConfig, files: Map<string, string>): number {
  let changed = 0;
  kc.users = kc.users.map((u) => {
    const path = files.get(u.name);
    if (path === undefined || (u.token ?? '') !== '' || u.exec !== undefined || u.authProvider !== undefined) return u;
    changed++;
    return { ...u, authProvider: { name: PROVIDER, config: { path } } };
  });
  if (changed > 0) kc.addAuthenticator(tokenFileAuthenticator());
  return changed;
}

export const kubeconfigDir = (path: string): string => dirname(resolve(path));
