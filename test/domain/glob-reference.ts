// The backtracking matcher hookd used before the NFA in src/domain/glob.ts, kept only as the
// reference for the differential test: its answers are right, its time is exponential.
// gobwas/glob as Velero uses it for namespace lists: glob.Compile(pattern) with no
// separators (collections.globStringSet.match), so `*` and `**` both match any run of
// characters and `?` any one character, '/' and '.' included.
// The lexer and parser follow gobwas/glob's syntax/lexer and syntax/ast so that a pattern
// compiles (or fails to) exactly as it does there, e.g. `[a-z0-9]` and `[]` do not compile,
// an unclosed `{a,b` does, `}` and `,` outside braces are plain text.

type Node =
  | { readonly kind: 'text'; readonly text: readonly string[] }
  | { readonly kind: 'any' }
  | { readonly kind: 'single' }
  | { readonly kind: 'list'; readonly chars: readonly string[]; readonly not: boolean }
  | { readonly kind: 'range'; readonly lo: number; readonly hi: number; readonly not: boolean }
  | { readonly kind: 'anyOf'; readonly alternatives: Pattern[] };

interface Pattern {
  readonly nodes: Node[];
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
function parse(tokens: readonly Token[]): Pattern {
  const root: Pattern = { nodes: [] };
  // The stack mirrors the parser's tree: the current pattern and the anyOf nodes above it.
  const stack: { pattern: Pattern; anyOf: Node & { kind: 'anyOf' } }[] = [];
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
        const p: Pattern = { nodes: [] };
        const anyOf: Node & { kind: 'anyOf' } = { kind: 'anyOf', alternatives: [p] };
        current.nodes.push(anyOf);
        stack.push({ pattern: current, anyOf });
        current = p;
        break;
      }
      case 'separator': {
        const top = stack.at(-1);
        if (!top) throw new GlobSyntaxError('unexpected separator');
        const p: Pattern = { nodes: [] };
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

export interface CompiledGlob {
  match(s: string): boolean;
}

export type CompiledGlobResult = { readonly ok: true; readonly glob: CompiledGlob } | { readonly ok: false; readonly error: string };

/** glob.Compile(pattern) with no separators. */
export function compileGlob(pattern: string): CompiledGlobResult {
  let root: Pattern;
  try {
    root = parse(lex(pattern));
  } catch (err) {
    if (err instanceof GlobSyntaxError) return { ok: false, error: err.message };
    throw err;
  }
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
