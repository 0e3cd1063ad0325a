// The backtracking matcher hookd used before the NFA in src/domain/glob.ts, kept only as the
// reference for the differential test: its answers are right, its time is exponential.
// It walks the same parse tree (parseGlob), so the two differ only in how they match.

import { parseGlob, prefixSuffixOf, type CompiledGlobResult, type GlobNode } from '../../src/domain/glob.ts';

type Node = GlobNode;

function matchOne(node: Node, r: string): boolean {
  switch (node.kind) {
    case 'single':
      return true;
    case 'list':
      return node.chars.includes(r) !== node.not;
    case 'range': {
      const cp = r.codePointAt(0) ?? 0;
      return (cp >= node.lo && cp <= node.hi) !== node.not;
    }
    default:
      return false;
  }
}

/** Backtracking match of a node sequence against runes[at..], with the rest to follow. */
function matchSeq(nodes: readonly Node[], ni: number, runes: readonly string[], at: number, rest: Continuation): boolean {
  if (ni === nodes.length) return rest(at);
  const node = nodes[ni];
  if (!node) return false;
  const cont: Continuation = (pos) => matchSeq(nodes, ni + 1, runes, pos, rest);
  switch (node.kind) {
    case 'text': {
      for (let k = 0; k < node.text.length; k++) if (runes[at + k] !== node.text[k]) return false;
      return cont(at + node.text.length);
    }
    case 'any':
      for (let end = runes.length; end >= at; end--) if (cont(end)) return true;
      return false;
    case 'anyOf':
      return node.alternatives.some((alt) => matchSeq(alt.nodes, 0, runes, at, cont));
    default: {
      const r = runes[at];
      return r !== undefined && matchOne(node, r) && cont(at + 1);
    }
  }
}

type Continuation = (pos: number) => boolean;

/** glob.Compile(pattern) with no separators, matched by backtracking. */
export function compileGlob(pattern: string): CompiledGlobResult {
  const parsed = parseGlob(pattern);
  if (!parsed.ok) return parsed;
  const { root } = parsed;
  // gobwas/glob's PrefixSuffix matcher answers this shape, overlap and all (see glob.ts).
  const ends = prefixSuffixOf(root);
  if (ends !== null) return { ok: true, glob: { match: (s) => s.startsWith(ends.prefix) && s.endsWith(ends.suffix) } };
  return {
    ok: true,
    glob: {
      match(s: string): boolean {
        const runes = Array.from(s);
        return matchSeq(root.nodes, 0, runes, 0, (pos) => pos === runes.length);
      },
    },
  };
}
