// The simulated API server's own label-selector parser, written from the grammar of
// apimachinery's labels.Parse (a lexer, then requirements separated by commas):
//   key  !key  key=value  key==value  key!=value  key in (a,b)  key notin (a,b)  key>1  key<1
// It shares nothing with hookd's parser on purpose: the sim is there to check hookd, so a
// mistake in hookd's grammar must not be copied into the server that answers it.

export type Operator = 'exists' | '!' | '=' | '==' | '!=' | 'in' | 'notin' | 'gt' | 'lt';

export interface Requirement {
  readonly key: string;
  readonly operator: Operator;
  readonly values: readonly string[];
}

export class SelectorSyntaxError extends Error {
  override readonly name = 'SelectorSyntaxError';
}

type Token =
  | { kind: 'id'; text: string }
  | { kind: 'op'; text: '!' | '=' | '==' | '!=' | '>' | '<' | '(' | ')' | ',' }
  | { kind: 'end'; text: '' };

// Characters that end an identifier; the rest (dots, slashes, dashes...) belong to it.
const SPECIAL = new Set(['=', '!', '(', ')', ',', '>', '<']);

function lex(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i] ?? '';
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (SPECIAL.has(c)) {
      const two = input.slice(i, i + 2);
      if (two === '==' || two === '!=') {
        tokens.push({ kind: 'op', text: two });
        i += 2;
      } else {
        tokens.push({ kind: 'op', text: c as '!' | '=' | '>' | '<' | '(' | ')' | ',' });
        i++;
      }
      continue;
    }
    let j = i;
    while (j < input.length && !SPECIAL.has(input[j] ?? '') && !/\s/.test(input[j] ?? '')) j++;
    tokens.push({ kind: 'id', text: input.slice(i, j) });
    i = j;
  }
  tokens.push({ kind: 'end', text: '' });
  return tokens;
}

const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function checkKey(key: string): void {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : null;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== null && (prefix === '' || prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) {
    throw new SelectorSyntaxError(`invalid label key "${key}": prefix part must be a lowercase RFC 1123 subdomain`);
  }
  if (name === '' || name.length > 63 || !QUALIFIED_NAME.test(name)) {
    throw new SelectorSyntaxError(
      `invalid label key "${key}": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (at most 63)`,
    );
  }
}

function checkValue(value: string): void {
  if (value.length > 63 || !LABEL_VALUE.test(value)) {
    throw new SelectorSyntaxError(
      `invalid label value: "${value}": must be no more than 63 characters and consist of alphanumeric characters, '-', '_' or '.', starting and ending with an alphanumeric`,
    );
  }
}

class Parser {
  private pos = 0;
  private readonly tokens: readonly Token[];
  constructor(tokens: readonly Token[]) {
    this.tokens = tokens;
  }

  private peek(): Token {
    return this.tokens[this.pos] ?? { kind: 'end', text: '' };
  }
  private next(): Token {
    const t = this.peek();
    if (this.pos < this.tokens.length) this.pos++;
    return t;
  }
  private describe(t: Token): string {
    return t.kind === 'end' ? 'end of string' : `'${t.text}'`;
  }

  parse(): Requirement[] {
    const out: Requirement[] = [];
    if (this.peek().kind === 'end') return out;
    for (;;) {
      out.push(this.requirement());
      const t = this.next();
      if (t.kind === 'end') return out;
      if (t.text !== ',') throw new SelectorSyntaxError(`found ${this.describe(t)}, expected: ',' or 'end of string'`);
      const after = this.peek();
      if (after.kind !== 'id' && after.text !== '!') {
        throw new SelectorSyntaxError(`found ${this.describe(after)}, expected: identifier after ','`);
      }
    }
  }

  private requirement(): Requirement {
    let t = this.next();
    if (t.kind === 'op' && t.text === '!') {
      t = this.next();
      if (t.kind !== 'id') throw new SelectorSyntaxError(`found ${this.describe(t)}, expected: identifier`);
      checkKey(t.text);
      return { key: t.text, operator: '!', values: [] };
    }
    if (t.kind !== 'id') throw new SelectorSyntaxError(`found ${this.describe(t)}, expected: !, identifier, or 'end of string'`);
    const key = t.text;
    checkKey(key);
    const op = this.peek();
    if (op.kind === 'end' || op.text === ',') return { key, operator: 'exists', values: [] };
    this.next();
    if (op.kind === 'id' && (op.text === 'in' || op.text === 'notin')) {
      return { key, operator: op.text, values: this.valueSet() };
    }
    if (op.kind === 'op' && (op.text === '=' || op.text === '==' || op.text === '!=')) {
      const value = this.exactValue();
      checkValue(value);
      return { key, operator: op.text, values: [value] };
    }
    if (op.kind === 'op' && (op.text === '>' || op.text === '<')) {
      const value = this.exactValue();
      if (!/^-?\d+$/.test(value)) throw new SelectorSyntaxError(`for 'gt', 'lt' operators, the value must be an integer`);
      return { key, operator: op.text === '>' ? 'gt' : 'lt', values: [value] };
    }
    throw new SelectorSyntaxError(`found ${this.describe(op)}, expected: in, notin, =, ==, !=, gt, lt`);
  }

  /** A single value; nothing before ',' or the end is the empty value. */
  private exactValue(): string {
    const t = this.peek();
    if (t.kind === 'end' || t.text === ',') return '';
    this.next();
    if (t.kind !== 'id') throw new SelectorSyntaxError(`found ${this.describe(t)}, expected: identifier`);
    return t.text;
  }

  /** '(' values ')', where a missing value between commas is the empty value. */
  private valueSet(): string[] {
    const open = this.next();
    if (open.text !== '(') throw new SelectorSyntaxError(`found ${this.describe(open)}, expected: '('`);
    const values: string[] = [];
    let expectValue = true;
    for (;;) {
      const t = this.next();
      if (t.kind === 'id' && expectValue) {
        values.push(t.text);
        expectValue = false;
      } else if (t.text === ',') {
        if (expectValue) values.push('');
        expectValue = true;
      } else if (t.text === ')') {
        if (expectValue && values.length > 0) values.push('');
        break;
      } else {
        throw new SelectorSyntaxError(`found ${this.describe(t)}, expected: ',', ')' or identifier`);
      }
    }
    if (values.length === 0) throw new SelectorSyntaxError('for \'in\', \'notin\' operators, values set can\'t be empty');
    values.forEach(checkValue);
    return values;
  }
}

/** Parses a `labelSelector` query value; throws SelectorSyntaxError with the API server's wording. */
export function parseLabelSelector(input: string): Requirement[] {
  return new Parser(lex(input)).parse();
}

export function labelsMatch(requirements: readonly Requirement[], labels: Readonly<Record<string, string>>): boolean {
  for (const r of requirements) {
    const has = Object.hasOwn(labels, r.key);
    const value = labels[r.key] ?? '';
    switch (r.operator) {
      case 'exists':
        if (!has) return false;
        break;
      case '!':
        if (has) return false;
        break;
      case '=':
      case '==':
      case 'in':
        if (!has || !r.values.includes(value)) return false;
        break;
      case '!=':
      case 'notin':
        if (has && r.values.includes(value)) return false;
        break;
      case 'gt':
      case 'lt': {
        if (!has || !/^-?\d+$/.test(value)) return false;
        const a = BigInt(value);
        const b = BigInt(r.values[0] ?? '0');
        if (r.operator === 'gt' ? !(a > b) : !(a < b)) return false;
        break;
      }
    }
  }
  return true;
}
