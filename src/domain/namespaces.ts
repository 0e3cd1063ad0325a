// Velero's IncludesExcludes for a hook entry's namespace lists (pkg/util/collections/
// includes_excludes.go): an exclude match wins; an empty include list or one holding "*"
// includes everything; otherwise some include pattern must match.
// Patterns are gobwas/glob patterns compiled with no separators (see glob.ts).
//
// globStringSet.match walks the set in sorted order (sets.String.List()) and answers false
// at the first pattern that does not compile: a broken pattern matches nothing, and also
// hides every pattern sorted after it. hookd keeps that, and rejects such patterns in API input.

import { compileGlob } from './glob.ts';

/** Go's sort order for strings: by UTF-8 bytes, which is code point order. */
export function compareGoStrings(a: string, b: string): number {
  const ca = Array.from(a);
  const cb = Array.from(b);
  for (let i = 0; i < Math.min(ca.length, cb.length); i++) {
    const x = ca[i]?.codePointAt(0) ?? 0;
    const y = cb[i]?.codePointAt(0) ?? 0;
    if (x !== y) return x - y;
  }
  return ca.length - cb.length;
}

/** globStringSet.match: the deduplicated patterns in sorted order; a pattern that fails to compile ends the search with false. */
function setMatches(patterns: readonly string[], s: string): boolean {
  const sorted = [...new Set(patterns)].sort(compareGoStrings);
  for (const p of sorted) {
    const g = compileGlob(p);
    if (!g.ok) return false;
    if (g.glob.match(s)) return true;
  }
  return false;
}

/** IncludesExcludes.ShouldInclude(namespace) for one hook entry. */
export function namespaceMatches(
  namespace: string,
  included: readonly string[] | undefined,
  excluded: readonly string[] | undefined,
): boolean {
  if (setMatches(excluded ?? [], namespace)) return false;
  const inc = included ?? [];
  return inc.length === 0 || inc.includes('*') || setMatches(inc, namespace);
}
