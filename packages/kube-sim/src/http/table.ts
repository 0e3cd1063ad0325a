// meta.k8s.io/v1 Table answers, which kubectl asks for (Accept: ...;as=Table) to print
// `kubectl get` columns the way a cluster does: NAME READY STATUS RESTARTS AGE for pods.

import { toCoreEvent } from '../events.ts';
import type { StoredObject } from '../object-store.ts';
import { isObject } from '../patch.ts';
import { containerNames, containerStatuses, statusOf } from '../pod-rules.ts';
import type { JsonObject } from '../types.ts';

export function wantsTable(accept: string | undefined): boolean {
  return accept !== undefined && /;\s*as=Table/.test(accept);
}

interface Column {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

const col = (name: string, type = 'string', format = '', priority = 0): Column => ({ name, type, format, description: name, priority });

const COLUMNS: Record<string, Column[]> = {
  pods: [
    col('Name', 'string', 'name'),
    col('Ready'),
    col('Status'),
    col('Restarts'),
    col('Age'),
    col('IP', 'string', '', 1),
    col('Node', 'string', '', 1),
  ],
  namespaces: [col('Name', 'string', 'name'), col('Status'), col('Age')],
  restores: [col('Name', 'string', 'name'), col('Age')],
  // pkg/printers/internalversion eventColumnDefinitions, for both Event versions.
  events: [
    col('Last Seen'),
    col('Type'),
    col('Reason'),
    col('Object'),
    col('Subobject', 'string', '', 1),
    col('Source', 'string', '', 1),
    col('Message'),
    col('First Seen', 'string', '', 1),
    col('Count', 'integer', '', 1),
    col('Name', 'string', 'name', 1),
  ],
};

/** kubectl's duration.HumanDuration, the AGE column. */
export function humanAge(created: string | undefined, nowMs = Date.now()): string {
  if (!created) return '<unknown>';
  const s = Math.max(0, Math.floor((nowMs - Date.parse(created)) / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (d < 8) return h % 24 === 0 ? `${d}d` : `${d}d${h % 24}h`;
  return `${d}d`;
}

function podCells(o: StoredObject): unknown[] {
  const statuses = containerStatuses(o);
  const ready = statuses.filter((c) => c['ready'] === true).length;
  const restarts = statuses.reduce((n, c) => n + (typeof c['restartCount'] === 'number' ? c['restartCount'] : 0), 0);
  const status = statusOf(o);
  let reason = typeof status['phase'] === 'string' ? status['phase'] : 'Unknown';
  for (const c of statuses) {
    const state = isObject(c['state']) ? c['state'] : {};
    const waiting = isObject(state['waiting']) ? state['waiting'] : null;
    const terminated = isObject(state['terminated']) ? state['terminated'] : null;
    if (waiting && typeof waiting['reason'] === 'string') reason = waiting['reason'];
    else if (terminated && typeof terminated['reason'] === 'string' && reason !== 'Running') reason = terminated['reason'];
  }
  if (o.metadata.deletionTimestamp) reason = 'Terminating';
  const spec = isObject(o['spec']) ? o['spec'] : {};
  return [
    o.metadata.name,
    `${ready}/${containerNames(o).length}`,
    reason,
    restarts,
    humanAge(o.metadata.creationTimestamp),
    typeof status['podIP'] === 'string' ? status['podIP'] : '<none>',
    typeof spec['nodeName'] === 'string' ? spec['nodeName'] : '<none>',
  ];
}

const text = (v: unknown): string => (typeof v === 'string' ? v : '');

/** printEvent: times from the series, eventTime or the deprecated timestamps; count 1 for a singleton. */
function eventCells(o: StoredObject): unknown[] {
  const e = o.apiVersion === 'v1' ? o : toCoreEvent(o);
  const involved = isObject(e['involvedObject']) ? e['involvedObject'] : {};
  const series = isObject(e['series']) ? e['series'] : null;
  const source = isObject(e['source']) ? e['source'] : {};
  const first = text(e['firstTimestamp']) || text(e['eventTime']);
  let last = text(e['lastTimestamp']) || first;
  let count = typeof e['count'] === 'number' && e['count'] > 0 ? e['count'] : 1;
  if (series) {
    last = text(series['lastObservedTime']) || last;
    count = typeof series['count'] === 'number' ? series['count'] : count;
  }
  const kind = text(involved['kind']).toLowerCase();
  const target = text(involved['name']) !== '' ? `${kind}/${text(involved['name'])}` : kind;
  const component = text(source['component']);
  const from = component !== '' ? [component, text(source['host'])].filter((x) => x !== '').join(', ') : [text(e['reportingComponent']), text(e['reportingInstance'])].filter((x) => x !== '').join(', ');
  return [
    last === '' ? '<unknown>' : humanAge(last),
    text(e['type']),
    text(e['reason']),
    target,
    text(involved['fieldPath']),
    from,
    text(e['message']).trim(),
    first === '' ? '<unknown>' : humanAge(first),
    count,
    o.metadata.name,
  ];
}

function cells(resource: string, o: StoredObject): unknown[] {
  if (resource === 'pods') return podCells(o);
  if (resource === 'events') return eventCells(o);
  if (resource === 'namespaces') {
    const phase = statusOf(o)['phase'];
    return [o.metadata.name, typeof phase === 'string' ? phase : 'Active', humanAge(o.metadata.creationTimestamp)];
  }
  return [o.metadata.name, humanAge(o.metadata.creationTimestamp)];
}

/** includeObject: Object (the whole object), None, or Metadata (the default). */
function rowObject(o: StoredObject, include: string | null): JsonObject | undefined {
  if (include === 'None') return undefined;
  if (include === 'Object') return o;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata };
}

export function renderTable(resource: string, items: StoredObject[], metadata: JsonObject, includeObject: string | null): JsonObject {
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata,
    columnDefinitions: COLUMNS[resource] ?? COLUMNS['restores'],
    rows: items.map((o) => {
      const object = rowObject(o, includeObject);
      return object ? { cells: cells(resource, o), object } : { cells: cells(resource, o) };
    }),
  };
}
