// labelSelector and fieldSelector of list and watch requests. Label selectors use the
// domain's parser (the same grammar hookd validates jobs with); field selectors support
// the fields the API server supports for each resource, and reject the rest with its 400.

import { matchesLabelQuery, parseLabelQuery, type LabelQuery } from '../domain/label-query.ts';
import type { StoredObject } from './object-store.ts';
import { badRequest } from './status.ts';

interface FieldRequirement {
  readonly field: string;
  readonly value: string;
  readonly negate: boolean;
}

export interface Selector {
  readonly labels: LabelQuery;
  readonly fields: readonly FieldRequirement[];
  /** metadata.name=X: lets a list answer from one lookup instead of a scan. */
  readonly exactName: string | null;
  readonly empty: boolean;
}

/** Fields each resource can be selected on (pkg/registry/core/pod/strategy.go ToSelectableFields). */
const SELECTABLE: Record<string, readonly string[]> = {
  pods: [
    'metadata.name',
    'metadata.namespace',
    'status.phase',
    'spec.nodeName',
    'spec.restartPolicy',
    'spec.schedulerName',
    'spec.serviceAccountName',
    'status.podIP',
  ],
  namespaces: ['metadata.name', 'status.phase'],
};
const DEFAULT_FIELDS = ['metadata.name', 'metadata.namespace'];

export function parseSelector(resource: string, labelSelector: string | null, fieldSelector: string | null): Selector {
  let labels: LabelQuery = [];
  if (labelSelector) {
    const parsed = parseLabelQuery(labelSelector);
    if (!parsed.ok) throw badRequest(`unable to parse requirement: ${parsed.error}`);
    labels = parsed.query;
  }
  const fields = fieldSelector ? parseFields(resource, fieldSelector) : [];
  const name = fields.find((f) => f.field === 'metadata.name' && !f.negate);
  return { labels, fields, exactName: name ? name.value : null, empty: labels.length === 0 && fields.length === 0 };
}

function parseFields(resource: string, s: string): FieldRequirement[] {
  const allowed = SELECTABLE[resource] ?? DEFAULT_FIELDS;
  const out: FieldRequirement[] = [];
  for (const raw of s.split(',')) {
    const part = raw.trim();
    if (part === '') continue;
    const m = /^([^=!\s]+)\s*(==|=|!=)\s*(.*)$/.exec(part);
    if (!m) throw badRequest(`invalid selector: '${s}'; can't understand '${part}'`);
    const [, field = '', op, value = ''] = m;
    if (!allowed.includes(field)) throw badRequest(`field label not supported: ${field}`);
    out.push({ field, value: value.trim(), negate: op === '!=' });
  }
  return out;
}

function fieldValue(o: StoredObject, field: string): string {
  let cur: unknown = o;
  for (const key of field.split('.')) {
    if (cur === null || typeof cur !== 'object') return '';
    cur = (cur as Record<string, unknown>)[key];
  }
  if (typeof cur === 'string') return cur;
  if (typeof cur === 'boolean' || typeof cur === 'number') return String(cur);
  return '';
}

export function matches(sel: Selector, o: StoredObject): boolean {
  if (sel.empty) return true;
  for (const f of sel.fields) {
    if ((fieldValue(o, f.field) === f.value) === f.negate) return false;
  }
  return sel.labels.length === 0 || matchesLabelQuery(sel.labels, o.metadata.labels ?? {});
}
