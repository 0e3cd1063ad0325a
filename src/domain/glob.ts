// gobwas/glob as Velero uses it for namespace lists: glob.Compile(pattern) with no
// separators (collections.globStringSet.match), so `*` and `**` both match any run of
// characters and `?` any one character, '/' and '.' included.
// The lexer and parser follow gobwas/glob's syntax/lexer and syntax/ast so that a pattern
// compiles (or fails to) exactly as it does there, e.g. `[a-z0-9]` and `[]` do not compile,
// an unclosed `{a,b` does, `}` and `,` outside braces are plain text.

export type GlobNode =
  | { readonly kind: 'text'; readonly text: readonly string[] }
  | { readonly kind: 'any' }
  | { readonly kind: 'single' }
  | { readonly kind: 'list'; readonly chars: readonly string[]; readonly not: boolean }
  | { readonly kind: 'range'; readonly lo: number; readonly hi: number; readonly not: boolean }
  | { readonly kind: 'anyOf'; readonly alternatives: GlobPattern[] };

export interface GlobPattern {
  readonly nodes: GlobNode[];
}

type Token =
  | { readonly t: 'eof' | 'any' | 'super' | 'single' | 'rangeOpen' | 'rangeClose' | 'not' | 'between' | 'termsOpen' | 'termsClose' | 'separator' }
  | { readonly t: 'text' | 'rangeLo' | 'rangeHi'; readonly raw: readonly string[] };

class GlobSyntaxError extends Error {}

const EOF = '\u0000'; // gobwas/glob uses rune 0 as its end-of-input marker, so NUL ends input too

/** Tokens of a pattern, as gobwas/glob's lexer emits them; throws on a lexer error. */
function lex(source: string): Token[] {
  const runes = Array.from(source);
  let pos = 0;
  let termsLevel = 0;
  const tokens: Token[] = [];
  // utf8.DecodeRuneInString yields RuneError for U+FFFD itself and for invalid UTF-8 (a lone
  // surrogate here): the lexer fails when it reaches one.
  const checked = (r: string): string => {
    const cp = r.codePointAt(0) ?? 0;
    if (cp === 0xfffd || (cp >= 0xd800 && cp <= 0xdfff)) throw new GlobSyntaxError('could not read rune');
    return r;
  };
  const peek = (): string => (pos < runes.length ? checked(runes[pos] ?? EOF) : EOF);
  const read = (): string => {
    const r = peek();
    if (pos < runes.length) pos++;
    return r;
  };
  const unread = (): void => {
    pos--;
  };

  const fetchText = (breakers: string): void => {
    const data: string[] = [];
    let escaped = false;
    for (;;) {
      if (pos >= runes.length) break;
      const r = read();
      if (r === EOF) break;
      if (!escaped) {
        if (r === '\\') {
          escaped = true;
          continue;
        }
        if (breakers.includes(r)) {
          unread();
          break;
        }
      }
      escaped = false;
      data.push(r);
    }
    if (data.length > 0) tokens.push({ t: 'text', raw: data });
  };

  const fetchRange = (): void => {
    let wantHi = false;
    let wantClose = false;
    let seenNot = false;
    for (;;) {
      const atEnd = pos >= runes.length;
      const r = read();
      if (atEnd || r === EOF) throw new GlobSyntaxError('unexpected end of input');
      if (wantClose) {
        if (r !== ']') throw new GlobSyntaxError('expected close range character');
        tokens.push({ t: 'rangeClose' });
        return;
      }
      if (wantHi) {
        tokens.push({ t: 'rangeHi', raw: [r] });
        wantClose = true;
        continue;
      }
      if (!seenNot && r === '!') {
        tokens.push({ t: 'not' });
        seenNot = true;
        continue;
      }
      if (pos < runes.length && peek() === '-') {
        pos++;
        tokens.push({ t: 'rangeLo', raw: [r] }, { t: 'between' });
        wantHi = true;
        continue;
      }
      unread();
      fetchText(']');
      wantClose = true;
    }
  };

  for (;;) {
    const atEnd = pos >= runes.length;
    const r = read();
    if (atEnd || r === EOF) {
      tokens.push({ t: 'eof' });
      return tokens;
    }
    if (r === '{') {
      termsLevel++;
      tokens.push({ t: 'termsOpen' });
    } else if (r === ',' && termsLevel > 0) {
      tokens.push({ t: 'separator' });
    } else if (r === '}' && termsLevel > 0) {
      tokens.push({ t: 'termsClose' });
      termsLevel--;
    } else if (r === '[') {
      tokens.push({ t: 'rangeOpen' });
      fetchRange();
    } else if (r === '?') {
      tokens.push({ t: 'single' });
    } else if (r === '*') {
      if (pos < runes.length && peek() === '*') {
        pos++;
        tokens.push({ t: 'super' });
      } else tokens.push({ t: 'any' });
    } else {
      unread();
      fetchText(termsLevel > 0 ? '?*[{},' : '?*[{');
    }
  }
}

/** gobwas/glob's ast.Parse over the tokens; throws on a parse error. */
function parse(tokens: readonly Token[]): GlobPattern {
  const root: GlobPattern = { nodes: [] };
  // The stack mirrors the parser's tree: the current pattern and the anyOf nodes above it.
  const stack: { pattern: GlobPattern; anyOf: GlobNode & { kind: 'anyOf' } }[] = [];
  let current = root;
  let i = 0;
  const next = (): Token => tokens[i++] ?? { t: 'eof' };
  for (;;) {
    const tok = next();
    switch (tok.t) {
      case 'eof':
        return root; // an unclosed '{' is accepted, as in gobwas/glob
      case 'text':
        current.nodes.push({ kind: 'text', text: tok.raw });
        break;
      case 'any':
      case 'super':
        current.nodes.push({ kind: 'any' }); // no separators: `*` and `**` match the same
        break;
      case 'single':
        current.nodes.push({ kind: 'single' });
        break;
      case 'termsOpen': {
        const p: GlobPattern = { nodes: [] };
        const anyOf: GlobNode & { kind: 'anyOf' } = { kind: 'anyOf', alternatives: [p] };
        current.nodes.push(anyOf);
        stack.push({ pattern: current, anyOf });
        current = p;
        break;
      }
      case 'separator': {
        const top = stack.at(-1);
        if (!top) throw new GlobSyntaxError('unexpected separator');
        const p: GlobPattern = { nodes: [] };
        top.anyOf.alternatives.push(p);
        current = p;
        break;
      }
      case 'termsClose': {
        const top = stack.pop();
        if (!top) throw new GlobSyntaxError('unexpected terms close');
        current = top.pattern;
        break;
      }
      case 'rangeOpen': {
        let not = false;
        let lo = 0;
        let hi = 0;
        let chars: readonly string[] = [];
        for (;;) {
          const rt = next();
          if (rt.t === 'eof') throw new GlobSyntaxError('unexpected end');
          if (rt.t === 'not') not = true;
          else if (rt.t === 'rangeLo') lo = rt.raw[0]?.codePointAt(0) ?? 0;
          else if (rt.t === 'rangeHi') {
            hi = rt.raw[0]?.codePointAt(0) ?? 0;
            if (hi < lo) throw new GlobSyntaxError('hi character should be greater than lo');
          } else if (rt.t === 'text') chars = rt.raw;
          else if (rt.t === 'rangeClose') {
            const isRange = lo !== 0 && hi !== 0;
            const isChars = chars.length > 0;
            if (isChars === isRange) throw new GlobSyntaxError('could not parse range');
            current.nodes.push(isRange ? { kind: 'range', lo, hi, not } : { kind: 'list', chars, not });
            break;
          }
        }
        break;
      }
      default:
        throw new GlobSyntaxError(`unexpected token ${tok.t}`);
    }
  }
}

// Matching runs a Thompson NFA built from the parse tree over the runes in one pass, so its
// time is O(pattern size x name length) whatever the pattern: a backtracking matcher takes
// exponential time on patterns such as `{,}` repeated (28 groups took 10.9 s).
type State =
  | { readonly kind: 'rune'; readonly test: (r: string) => boolean; readonly out: number }
  | { readonly kind: 'split'; readonly outs: number[] }
  | { readonly kind: 'accept' };

interface Nfa {
  readonly states: readonly State[];
  readonly start: number;
}

function testFor(node: Exclude<GlobNode, { kind: 'text' | 'any' | 'anyOf' }>): (r: string) => boolean {
  switch (node.kind) {
    case 'single':
      return () => true;
    case 'list':
      return (r) => node.chars.includes(r) !== node.not;
    case 'range':
      return (r) => {
        const cp = r.codePointAt(0) ?? 0;
        return (cp >= node.lo && cp <= node.hi) !== node.not;
      };
  }
}

function buildNfa(root: GlobPattern): Nfa {
  const states: State[] = [{ kind: 'accept' }];
  const add = (s: State): number => states.push(s) - 1;
  // Built back to front: each node's states lead to the already built states that follow it.
  const seq = (nodes: readonly GlobNode[], next: number): number => {
    let at = next;
    for (let i = nodes.length - 1; i >= 0; i--) {
      const node = nodes[i];
      if (!node) continue;
      switch (node.kind) {
        case 'text':
          for (let k = node.text.length - 1; k >= 0; k--) {
            const want = node.text[k];
            at = add({ kind: 'rune', test: (r) => r === want, out: at });
          }
          break;
        case 'any': {
          const split: State & { kind: 'split' } = { kind: 'split', outs: [] };
          const splitId = add(split);
          const loop = add({ kind: 'rune', test: () => true, out: splitId });
          split.outs.push(loop, at);
          at = splitId;
          break;
        }
        case 'anyOf': {
          const after = at;
          at = add({ kind: 'split', outs: node.alternatives.map((alt) => seq(alt.nodes, after)) });
          break;
        }
        default:
          at = add({ kind: 'rune', test: testFor(node), out: at });
      }
    }
    return at;
  };
  return { states, start: seq(root.nodes, 0) };
}

function runNfa(nfa: Nfa, s: string): boolean {
  const { states } = nfa;
  // mark[id] === generation means the state is already in the set being built.
  const mark = new Int32Array(states.length).fill(-1);
  let generation = 0;
  const addClosure = (into: number[], id: number): void => {
    const stack = [id];
    while (stack.length > 0) {
      const sid = stack.pop() ?? 0;
      if (mark[sid] === generation) continue;
      mark[sid] = generation;
      const st = states[sid];
      if (st?.kind === 'split') for (let k = st.outs.length - 1; k >= 0; k--) stack.push(st.outs[k] ?? 0);
      else into.push(sid);
    }
  };
  let current: number[] = [];
  addClosure(current, nfa.start);
  for (const r of s) {
    generation++;
    const next: number[] = [];
    for (const sid of current) {
      const st = states[sid];
      if (st?.kind === 'rune' && st.test(r)) addClosure(next, st.out);
    }
    if (next.length === 0) return false;
    current = next;
  }
  return current.some((sid) => states[sid]?.kind === 'accept');
}

export interface CompiledGlob {
  match(s: string): boolean;
}

export type CompiledGlobResult = { readonly ok: true; readonly glob: CompiledGlob } | { readonly ok: false; readonly error: string };

/** The parse tree of a pattern as gobwas/glob builds it, or its compile error. */
export function parseGlob(pattern: string): { readonly ok: true; readonly root: GlobPattern } | { readonly ok: false; readonly error: string } {
  try {
    return { ok: true, root: parse(lex(pattern)) };
  } catch (err) {
    if (err instanceof GlobSyntaxError) return { ok: false, error: err.message };
    throw err;
  }
}

/**
 * Compiled patterns, by pattern: a hook entry's namespace patterns are matched for every pod
 * of a job, and compiling one costs more than matching it. Bounded (patterns come from
 * callers); a compiled glob holds no state, so one serves every caller.
 */
const compiled = new Map<string, CompiledGlobResult>();
const MAX_COMPILED = 256;

/**
 * A whole pattern that is text, one `*` (or `**`) and text: gobwas/glob v0.2.3, the version
 * Velero builds with, compiles it to its PrefixSuffix matcher, whose Match is
 * `strings.HasPrefix(s, prefix) && strings.HasSuffix(s, suffix)`. The two may overlap, so
 * `prod*od` matches "prod", which the pattern's own meaning does not allow; Velero's answer is
 * what counts. Inside `{...}` alternatives v0.2.3 diverges from a pattern's meaning in more
 * ways (the same prefix-and-suffix test; AnyOf.Len() taking a later alternative's fixed length
 * for the group's, so `{prod-*,qa}-db` rejects "prod-x-db"): not reproduced, matched by meaning.
 */
export function prefixSuffixOf(root: GlobPattern): { readonly prefix: string; readonly suffix: string } | null {
  const [a, any, b] = root.nodes;
  if (root.nodes.length !== 3 || a?.kind !== 'text' || any?.kind !== 'any' || b?.kind !== 'text') return null;
  return { prefix: a.text.join(''), suffix: b.text.join('') };
}

/** glob.Compile(pattern) with no separators. */
export function compileGlob(pattern: string): CompiledGlobResult {
  const known = compiled.get(pattern);
  if (known !== undefined) return known;
  const parsed = parseGlob(pattern);
  let result: CompiledGlobResult;
  if (!parsed.ok) result = parsed;
  else {
    const ends = prefixSuffixOf(parsed.root);
    if (ends !== null) {
      result = { ok: true, glob: { match: (s: string): boolean => s.startsWith(ends.prefix) && s.endsWith(ends.suffix) } };
    } else {
      const nfa = buildNfa(parsed.root);
      result = { ok: true, glob: { match: (s: string): boolean => runNfa(nfa, s) } };
    }
  }
  if (compiled.size >= MAX_COMPILED) compiled.delete(compiled.keys().next().value ?? '');
  compiled.set(pattern, result);
  return result;
}
