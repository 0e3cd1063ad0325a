// HOOKD_AUTH=tokens: named tokens from HOOKD_TOKENS_FILE (YAML or JSON), a list of
//   { name, sha256 (hex digest of the token) | token, namespaces: [globs, default "*"],
//     rights: [submit, read, cancel, admin] }
// Tokens are compared on their SHA-256 digests in constant time; an entry given by sha256
// is matched by hashing the presented token (the digest itself is no token). The file is
// re-read when it changes; a file that no longer parses keeps the previous entries (and
// says so in the log) rather than locking everyone out or letting everyone in.

import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { compileGlob, type CompiledGlob } from '../domain/glob.ts';
import { TokenRights, type Caller, type TokenRight } from './caller.ts';

export interface TokenEntry {
  readonly name: string;
  readonly digest: Buffer;
  readonly namespaces: readonly string[];
  readonly globs: readonly CompiledGlob[];
  readonly rights: readonly TokenRight[];
}

export class TokensFileError extends Error {
  override readonly name = 'TokensFileError';
}

const sha256 = (s: string): Buffer => createHash('sha256').update(s).digest();

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parses the file's text; throws TokensFileError naming the entry and field. */
export function parseTokens(text: string, where: string): TokenEntry[] {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new TokensFileError(`${where}: not YAML or JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  const list = isObject(doc) && Array.isArray(doc['tokens']) ? doc['tokens'] : doc;
  if (!Array.isArray(list)) throw new TokensFileError(`${where}: expected a list of tokens (or {tokens: [...]})`);
  const names = new Set<string>();
  return list.map((e: unknown, i): TokenEntry => {
    const at = `${where}[${i}]`;
    if (!isObject(e)) throw new TokensFileError(`${at}: expected an object`);
    const name = e['name'];
    if (typeof name !== 'string' || !/^[A-Za-z0-9._@:-]{1,128}$/.test(name)) throw new TokensFileError(`${at}.name: 1-128 letters, digits or . _ @ : -`);
    if (names.has(name)) throw new TokensFileError(`${at}.name: "${name}" is used twice`);
    names.add(name);
    let digest: Buffer;
    if (typeof e['sha256'] === 'string' && e['token'] === undefined) {
      if (!/^[0-9a-fA-F]{64}$/.test(e['sha256'])) throw new TokensFileError(`${at}.sha256: 64 hex digits expected`);
      digest = Buffer.from(e['sha256'], 'hex');
    } else if (typeof e['token'] === 'string' && e['sha256'] === undefined) {
      if (e['token'].length < 16) throw new TokensFileError(`${at}.token: at least 16 characters`);
      digest = sha256(e['token']);
    } else {
      throw new TokensFileError(`${at}: give exactly one of sha256 and token`);
    }
    const rawNs = e['namespaces'] ?? ['*'];
    if (!Array.isArray(rawNs) || rawNs.some((g) => typeof g !== 'string' || g === '')) throw new TokensFileError(`${at}.namespaces: a list of namespace globs`);
    const namespaces = rawNs as string[];
    const globs = namespaces.map((g, j) => {
      const c = compileGlob(g);
      if (!c.ok) throw new TokensFileError(`${at}.namespaces[${j}]: ${c.error}`);
      return c.glob;
    });
    const rawRights = e['rights'];
    if (!Array.isArray(rawRights) || rawRights.length === 0) throw new TokensFileError(`${at}.rights: a non-empty list of ${TokenRights.join(', ')}`);
    for (const [j, r] of rawRights.entries()) {
      if (!TokenRights.includes(r as TokenRight)) throw new TokensFileError(`${at}.rights[${j}]: "${String(r)}" is not one of ${TokenRights.join(', ')}`);
    }
    return { name, digest, namespaces, globs, rights: [...new Set(rawRights as TokenRight[])] };
  });
}

export interface TokenTable {
  /** The caller of a presented token, or null. */
  lookup(token: string): Caller | null;
  /** Does one of the entry's globs match the namespace? */
  reaches(caller: Caller, namespace: string): boolean;
  close(): void;
}

export function tokenTable(initial: readonly TokenEntry[]): TokenTable & { replace(entries: readonly TokenEntry[]): void } {
  let entries = initial;
  const byName = (): Map<string, TokenEntry> => new Map(entries.map((e) => [e.name, e]));
  let names = byName();
  return {
    replace(next) {
      entries = next;
      names = byName();
    },
    lookup(token) {
      const given = sha256(token);
      // Every entry is compared, so timing does not say which one came close.
      let found: TokenEntry | null = null;
      for (const e of entries) if (timingSafeEqual(e.digest, given) && found === null) found = e;
      return found ? { kind: 'token', name: found.name, namespaces: found.namespaces, rights: found.rights } : null;
    },
    reaches(caller, namespace) {
      if (caller.kind !== 'token') return false;
      // Rights follow the file as it is now: a removed entry reaches nothing.
      const e = names.get(caller.name);
      return e !== undefined && e.globs.some((g) => g.match(namespace));
    },
    close() {},
  };
}

/** Loads the file now (throws TokensFileError) and re-reads it when it changes. */
export function watchTokensFile(path: string, onReload: (err: Error | null, count: number) => void, intervalMs = 1000): TokenTable {
  const table = tokenTable(parseTokens(readFileSync(path, 'utf8'), path));
  // watchFile polls stat: it survives editors that replace the file and files on volumes
  // (a mounted Secret is swapped through a symlink), where fs.watch loses track.
  const listener = (): void => {
    try {
      const next = parseTokens(readFileSync(path, 'utf8'), path);
      table.replace(next);
      onReload(null, next.length);
    } catch (err) {
      onReload(err instanceof Error ? err : new Error(String(err)), -1);
    }
  };
  watchFile(path, { interval: intervalMs, persistent: false }, listener);
  return { ...table, lookup: table.lookup, reaches: table.reaches, close: () => unwatchFile(path, listener) };
}

/** HOOKD_API_TOKENS (deprecated): every token an entry of its own with every right, as before. */
export function legacyTokens(tokens: readonly string[]): TokenEntry[] {
  return tokens.map((t, i) => ({
    name: `api-token-${i + 1}`,
    digest: sha256(t),
    namespaces: ['*'],
    globs: [{ match: () => true }],
    rights: ['submit', 'read', 'cancel', 'admin'],
  }));
}
