// The string form of a Kubernetes label selector, as `?labelSelector=` and kubectl's `-l`
// take it (k8s.io/apimachinery/pkg/labels.Parse): comma-separated requirements, each one of
//   key  !key  key=value  key==value  key!=value  key in (a,b)  key notin (a,b)
// Used by the API to reject a bad selector with a 400 before a job is queued, and by the
// simulated cluster to answer list and watch requests as an API server would.

export type LabelRequirement =
  | { readonly key: string; readonly op: 'exists' | 'notexists' }
  | { readonly key: string; readonly op: 'in' | 'notin'; readonly values: readonly string[] };

export type LabelQuery = readonly LabelRequirement[];

export type ParsedLabelQuery = { readonly ok: true; readonly query: LabelQuery } | { readonly ok: false; readonly error: string };

// Label keys: optional DNS subdomain prefix and '/', then a name of at most 63 characters.
const NAME = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)$/;
const PREFIX = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;

function keyError(key: string): string | null {
  const slash = key.indexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : null;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== null && (prefix.length === 0 || prefix.length > 253 || !PREFIX.test(prefix))) {
    return `invalid label key "${key}": the prefix must be a DNS subdomain`;
  }
  if (!NAME.test(name)) {
    return `invalid label key "${key}": a name must be 1-63 characters of alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric`;
  }
  return null;
}

function valueError(value: string): string | null {
  return value.length <= 63 && VALUE.test(value)
    ? null
    : `invalid label value "${value}": at most 63 characters of alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric`;
}

/** Splits on commas that are not inside a parenthesised value list. */
function splitTopLevel(s: string): string[] | null {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '(') depth++;
    else if (c === ')') {
      depth--;
      if (depth < 0) return null;
    } else if (c === ',' && depth === 0) {
      parts.push(s.slice(start, i));
      start = i + 1;
    }
  }
  if (depth !== 0) return null;
  parts.push(s.slice(start));
  return parts;
}

function parseRequirement(raw: string): LabelRequirement | string {
  const part = raw.trim();
  if (part === '') return 'empty requirement';
  const set = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(part);
  if (set) {
    const [, key = '', op = 'in', list = ''] = set;
    const values = list.split(',').map((v) => v.trim());
    if (values.length === 1 && values[0] === '') return `"${part}": a set needs at least one value`;
    for (const v of values) {
      const err = valueError(v);
      if (err) return err;
    }
    return keyError(key) ?? { key, op: op === 'in' ? 'in' : 'notin', values };
  }
  const cmp = /^([^=!\s]+)\s*(==|=|!=)\s*(.*)$/.exec(part);
  if (cmp) {
    const [, key = '', op, value = ''] = cmp;
    const err = keyError(key) ?? valueError(value.trim());
    if (err) return err;
    return { key, op: op === '!=' ? 'notin' : 'in', values: [value.trim()] };
  }
  if (part.startsWith('!')) {
    const key = part.slice(1).trim();
    return keyError(key) ?? { key, op: 'notexists' };
  }
  return keyError(part) ?? { key: part, op: 'exists' };
}

export function parseLabelQuery(s: string): ParsedLabelQuery {
  if (s.trim() === '') return { ok: true, query: [] };
  const parts = splitTopLevel(s);
  if (!parts) return { ok: false, error: `unbalanced parentheses in "${s}"` };
  const query: LabelRequirement[] = [];
  for (const p of parts) {
    const r = parseRequirement(p);
    if (typeof r === 'string') return { ok: false, error: r };
    query.push(r);
  }
  return { ok: true, query };
}

export function matchesLabelQuery(query: LabelQuery, labels: Readonly<Record<string, string>>): boolean {
  return query.every((r) => {
    const has = Object.hasOwn(labels, r.key);
    switch (r.op) {
      case 'exists':
        return has;
      case 'notexists':
        return !has;
      case 'in':
        return has && r.values.includes(labels[r.key] ?? '');
      case 'notin':
        return !has || !r.values.includes(labels[r.key] ?? '');
    }
  });
}
