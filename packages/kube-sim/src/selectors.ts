// labelSelector and fieldSelector of list and watch requests. Label selectors use the
// sim's own parser (never hookd's, which the sim is there to check); field selectors support
// the fields the API server supports for each resource, and reject the rest with its 400.

import { labelsMatch, parseLabelSelector, SelectorSyntaxError, type Requirement } from './label-selector.ts';
import type { StoredObject } from './object-store.ts';
import { badRequest } from './status.ts';

interface FieldRequirement {
  readonly field: string;
  readonly value: string;
  readonly negate: boolean;
  /** The field's value in a stored object (its name may differ from the stored path). */
  readonly read: (o: StoredObject) => string;
}

export interface Selector {
  readonly labels: readonly Requirement[];
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

/** Events are stored in their events.k8s.io/v1 form: each version's field labels, as paths there. */
const EVENT_SOURCE = (o: StoredObject): string => fieldValue(o, 'deprecatedSource.component') || fieldValue(o, 'reportingController');
const REGARDING = ['kind', 'namespace', 'name', 'uid', 'apiVersion', 'resourceVersion', 'fieldPath'];
/** core/v1 (pkg/registry/core/event/strategy.go ToSelectableFields): "source" is the component, else the reporting controller. */
const CORE_EVENT_FIELDS: Record<string, string | ((o: StoredObject) => string)> = {
  ...Object.fromEntries(REGARDING.map((f) => [`involvedObject.${f}`, `regarding.${f}`])),
  reason: 'reason',
  reportingComponent: 'reportingController',
  source: EVENT_SOURCE,
  type: 'type',
  'metadata.name': 'metadata.name',
  'metadata.namespace': 'metadata.namespace',
};
/** events.k8s.io/v1 (its field label conversion). */
const EVENTS_V1_FIELDS: Record<string, string | ((o: StoredObject) => string)> = {
  ...Object.fromEntries(REGARDING.map((f) => [`regarding.${f}`, `regarding.${f}`])),
  reason: 'reason',
  reportingController: 'reportingController',
  type: 'type',
  'metadata.name': 'metadata.name',
  'metadata.namespace': 'metadata.namespace',
};
const MAPPED: Record<string, Record<string, string | ((o: StoredObject) => string)>> = {
  events: CORE_EVENT_FIELDS,
  'events.k8s.io/events': EVENTS_V1_FIELDS,
};

/** resource: the plural, or "group/plural" outside the core group (for events.k8s.io's own field names). */
export function parseSelector(resource: string, labelSelector: string | null, fieldSelector: string | null): Selector {
  let labels: readonly Requirement[] = [];
  if (labelSelector) {
    try {
      labels = parseLabelSelector(labelSelector);
    } catch (err) {
      if (err instanceof SelectorSyntaxError) throw badRequest(`unable to parse requirement: ${err.message}`);
      throw err;
    }
  }
  const fields = fieldSelector ? parseFields(resource, fieldSelector) : [];
  const name = fields.find((f) => f.field === 'metadata.name' && !f.negate);
  return { labels, fields, exactName: name ? name.value : null, empty: labels.length === 0 && fields.length === 0 };
}

function readerOf(resource: string, field: string): ((o: StoredObject) => string) | null {
  const mapped = MAPPED[resource];
  if (mapped) {
    const to = mapped[field];
    if (to === undefined) return null;
    return typeof to === 'string' ? (o) => fieldValue(o, to) : to;
  }
  const allowed = SELECTABLE[resource] ?? DEFAULT_FIELDS;
  return allowed.includes(field) ? (o) => fieldValue(o, field) : null;
}

function parseFields(resource: string, s: string): FieldRequirement[] {
  const out: FieldRequirement[] = [];
  for (const raw of s.split(',')) {
    const part = raw.trim();
    if (part === '') continue;
    const m = /^([^=!\s]+)\s*(==|=|!=)\s*(.*)$/.exec(part);
    if (!m) throw badRequest(`invalid selector: '${s}'; can't understand '${part}'`);
    const [, field = '', op, value = ''] = m;
    const read = readerOf(resource, field);
    if (!read) throw badRequest(`field label not supported: ${field}`);
    out.push({ field, value: value.trim(), negate: op === '!=', read });
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
    if ((f.read(o) === f.value) === f.negate) return false;
  }
  return sel.labels.length === 0 || labelsMatch(sel.labels, o.metadata.labels ?? {});
}
