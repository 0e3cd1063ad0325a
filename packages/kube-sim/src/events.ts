// Events, stored once and served in two API versions as an API server does: events.k8s.io/v1
// (regarding, note, series, reportingController) and the older core/v1 Event that
// `kubectl describe` and `kubectl get events` read (involvedObject, message, count,
// firstTimestamp/lastTimestamp, source). Both are views of one object, converted field by
// field as k8s.io/kubernetes pkg/apis/events/v1 conversion does, so an Event written
// through one version is read back through the other. The stored form is events.k8s.io/v1.
//
// Validation follows pkg/apis/core/validation/events.go: events.k8s.io/v1 creates are
// strict (eventTime with microseconds, reportingController, reportingInstance, action,
// reason, Normal or Warning, a note of at most 1 kB, and none of the deprecated core
// fields); a core/v1 create gets only the legacy checks. An update through events.k8s.io/v1
// may change the series and little else.

import type { ObjectMeta, StoredObject } from './object-store.ts';
import { isObject } from './patch.ts';
import { prepareMeta } from './pod-rules.ts';
import { badRequest, invalid, type StatusCause } from './status.ts';
import type { JsonObject } from './types.ts';

export const EVENTS_GROUP = 'events.k8s.io';

const NOTE_LIMIT = 1024;
const SHORT_LIMIT = 128;
/** metav1.MicroTime's wire form (RFC3339Micro): exactly six digits of fraction. */
const MICRO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}(Z|[+-]\d{2}:\d{2})$/;
/** metav1.Time's (RFC 3339, seconds; a fraction is accepted on input). */
const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const QUALIFIED_NAME = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/** Which version a request speaks. */
export type EventVersion = 'core' | 'events';

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const obj = (v: unknown): JsonObject => (isObject(v) ? v : {});
const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');

/** Drops keys whose value is undefined, as Go's omitempty leaves them out. */
function compact(o: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out;
}

/** events.k8s.io/v1 -> core/v1 (Convert_v1_Event_To_core_Event, then core to v1). */
export function toCoreEvent(e: StoredObject): StoredObject {
  const count = typeof e['deprecatedCount'] === 'number' && e['deprecatedCount'] !== 0 ? e['deprecatedCount'] : undefined;
  return {
    kind: 'Event',
    apiVersion: 'v1',
    metadata: e.metadata,
    ...compact({
      involvedObject: obj(e['regarding']),
      reason: e['reason'],
      message: e['note'],
      // EventSource's fields are omitempty but the struct itself is always written.
      source: obj(e['deprecatedSource']),
      firstTimestamp: e['deprecatedFirstTimestamp'] ?? null,
      lastTimestamp: e['deprecatedLastTimestamp'] ?? null,
      count,
      type: e['type'],
      eventTime: e['eventTime'] ?? null,
      series: e['series'],
      action: e['action'],
      related: e['related'],
      reportingComponent: str(e['reportingController']),
      reportingInstance: str(e['reportingInstance']),
    }),
  } as StoredObject;
}

/** core/v1 -> events.k8s.io/v1, the stored form (Convert_core_Event_To_v1_Event). */
export function fromCoreEvent(body: JsonObject): JsonObject {
  const source = obj(body['source']);
  return compact({
    metadata: body['metadata'],
    regarding: isObject(body['involvedObject']) ? body['involvedObject'] : undefined,
    reason: body['reason'],
    note: body['message'],
    deprecatedSource: Object.keys(source).length > 0 ? source : undefined,
    deprecatedFirstTimestamp: body['firstTimestamp'] ?? undefined,
    deprecatedLastTimestamp: body['lastTimestamp'] ?? undefined,
    deprecatedCount: typeof body['count'] === 'number' && body['count'] !== 0 ? body['count'] : undefined,
    type: body['type'],
    eventTime: body['eventTime'] ?? undefined,
    series: body['series'] ?? undefined,
    action: body['action'],
    related: body['related'] ?? undefined,
    reportingController: body['reportingComponent'] === '' ? undefined : body['reportingComponent'],
    reportingInstance: body['reportingInstance'] === '' ? undefined : body['reportingInstance'],
  });
}

/** The object a request reads, in its version. */
export function eventView(e: StoredObject, version: EventVersion): StoredObject {
  return version === 'core' ? toCoreEvent(e) : e;
}

function fieldName(version: EventVersion, events: string, core: string): string {
  return version === 'core' ? core : events;
}

/** legacyValidateEvent: what every Event must satisfy, through either version. */
function legacyChecks(e: JsonObject, namespace: string, version: EventVersion, causes: StatusCause[]): void {
  const regarding = obj(e['regarding']);
  const regardingNs = str(regarding['namespace']);
  const field = (events: string, core: string): string => fieldName(version, events, core);
  if (e['eventTime'] === undefined || e['eventTime'] === null) {
    // An "old" Event: its namespace is its object's.
    if (regardingNs === '' ? namespace !== 'default' : regardingNs !== namespace) {
      causes.push({ field: field('regarding.namespace', 'involvedObject.namespace'), reason: 'FieldValueInvalid', message: `Invalid value: "${regardingNs}": does not match event.namespace` });
    }
  } else {
    if (regardingNs === '' && namespace !== 'default' && namespace !== 'kube-system') {
      causes.push({ field: field('regarding.namespace', 'involvedObject.namespace'), reason: 'FieldValueInvalid', message: `Invalid value: "": does not match event.namespace` });
    }
    const controller = str(e['reportingController']);
    const controllerField = field('reportingController', 'reportingComponent');
    if (controller === '') causes.push({ field: controllerField, reason: 'FieldValueRequired', message: 'Required value' });
    else if (controller.length > 316 || !QUALIFIED_NAME.test(controller)) {
      causes.push({ field: controllerField, reason: 'FieldValueInvalid', message: `Invalid value: "${controller}": must be a qualified name` });
    }
    const instance = str(e['reportingInstance']);
    if (instance === '') causes.push({ field: 'reportingInstance', reason: 'FieldValueRequired', message: 'Required value' });
    if (instance.length > SHORT_LIMIT) causes.push({ field: 'reportingInstance', reason: 'FieldValueInvalid', message: `Invalid value: "": can have at most ${SHORT_LIMIT} characters` });
    for (const f of ['action', 'reason'] as const) {
      const v = str(e[f]);
      if (v === '') causes.push({ field: f, reason: 'FieldValueRequired', message: 'Required value' });
      if (v.length > SHORT_LIMIT) causes.push({ field: f, reason: 'FieldValueInvalid', message: `Invalid value: "": can have at most ${SHORT_LIMIT} characters` });
    }
    if (bytes(str(e['note'])) > NOTE_LIMIT) {
      causes.push({ field: field('note', 'message'), reason: 'FieldValueInvalid', message: `Invalid value: "": can have at most ${NOTE_LIMIT} characters` });
    }
  }
}

function timeChecks(e: JsonObject, version: EventVersion, causes: StatusCause[]): void {
  const micro = (v: unknown, field: string): void => {
    if (v === undefined || v === null) return;
    if (typeof v !== 'string' || !MICRO_TIME.test(v) || Number.isNaN(Date.parse(v))) {
      causes.push({ field, reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(v)}: parsing time as "2006-01-02T15:04:05.000000Z07:00"` });
    }
  };
  const time = (v: unknown, field: string): void => {
    if (v === undefined || v === null) return;
    if (typeof v !== 'string' || !TIME.test(v) || Number.isNaN(Date.parse(v))) {
      causes.push({ field, reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(v)}: parsing time as "2006-01-02T15:04:05Z07:00"` });
    }
  };
  micro(e['eventTime'], 'eventTime');
  const series = obj(e['series']);
  micro(series['lastObservedTime'], 'series.lastObservedTime');
  time(e['deprecatedFirstTimestamp'], fieldName(version, 'deprecatedFirstTimestamp', 'firstTimestamp'));
  time(e['deprecatedLastTimestamp'], fieldName(version, 'deprecatedLastTimestamp', 'lastTimestamp'));
}

/** validateV1EventSeries. */
function seriesChecks(e: JsonObject, causes: StatusCause[]): void {
  if (e['series'] === undefined || e['series'] === null) return;
  const series = obj(e['series']);
  const count = series['count'];
  if (typeof count !== 'number' || count < 2) {
    causes.push({ field: 'series.count', reason: 'FieldValueInvalid', message: `Invalid value: "": should be at least 2` });
  }
  if (series['lastObservedTime'] === undefined || series['lastObservedTime'] === null) {
    causes.push({ field: 'series.lastObservedTime', reason: 'FieldValueRequired', message: 'Required value' });
  }
}

/** ValidateEventCreate's strict part, for events.k8s.io/v1 only. */
function strictCreateChecks(e: JsonObject, causes: StatusCause[]): void {
  seriesChecks(e, causes);
  if (e['eventTime'] === undefined || e['eventTime'] === null) causes.push({ field: 'eventTime', reason: 'FieldValueRequired', message: 'Required value' });
  if (e['type'] !== 'Normal' && e['type'] !== 'Warning') {
    causes.push({ field: 'type', reason: 'FieldValueInvalid', message: `Invalid value: "": has invalid value: ${str(e['type'])}` });
  }
  for (const f of ['deprecatedFirstTimestamp', 'deprecatedLastTimestamp', 'deprecatedCount'] as const) {
    if (e[f] !== undefined && e[f] !== null && e[f] !== 0) causes.push({ field: f, reason: 'FieldValueInvalid', message: 'Invalid value: "": needs to be unset' });
  }
  const source = obj(e['deprecatedSource']);
  if (str(source['component']) !== '' || str(source['host']) !== '') {
    causes.push({ field: 'deprecatedSource', reason: 'FieldValueInvalid', message: 'Invalid value: "": needs to be unset' });
  }
}

/** The stored form of a new Event in `namespace`, from a request body in `version`; throws 400/422 as an API server does. */
export function prepareEvent(namespace: string, body: unknown, version: EventVersion): StoredObject {
  if (!isObject(body)) throw badRequest('the body of the request was not an Event object');
  const wantApi = version === 'core' ? 'v1' : `${EVENTS_GROUP}/v1`;
  if (body['apiVersion'] !== undefined && body['apiVersion'] !== wantApi) {
    throw badRequest(`the API version in the data (${String(body['apiVersion'])}) does not match the expected API version (${wantApi})`);
  }
  const causes: StatusCause[] = [];
  const group = version === 'core' ? '' : EVENTS_GROUP;
  const metadata: ObjectMeta = prepareMeta('Event', group, body, namespace, causes);
  const { kind: _k, apiVersion: _a, ...fields } = version === 'core' ? fromCoreEvent(body) : body;
  const event: StoredObject = { ...fields, apiVersion: `${EVENTS_GROUP}/v1`, kind: 'Event', metadata };
  legacyChecks(event, namespace, version, causes);
  timeChecks(event, version, causes);
  if (version === 'events') strictCreateChecks(event, causes);
  if (causes.length > 0) throw invalid('Event', group, metadata.name, causes);
  return event;
}

const IMMUTABLE = ['regarding', 'reason', 'note', 'type', 'deprecatedSource', 'deprecatedFirstTimestamp', 'deprecatedLastTimestamp', 'deprecatedCount'] as const;
const CORE_NAMES: Record<(typeof IMMUTABLE)[number], string> = {
  regarding: 'involvedObject',
  reason: 'reason',
  note: 'message',
  type: 'type',
  deprecatedSource: 'source',
  deprecatedFirstTimestamp: 'firstTimestamp',
  deprecatedLastTimestamp: 'lastTimestamp',
  deprecatedCount: 'count',
};

/**
 * The stored form of an Event after an update (PUT or PATCH) through `version`: `next` is
 * the whole object as the client made it, in that version. ValidateEventUpdate: core/v1
 * updates get the legacy checks (old recorders bump count and lastTimestamp this way);
 * events.k8s.io/v1 ones may not change what the Event is about, only its series.
 */
export function updatedEvent(current: StoredObject, next: JsonObject, version: EventVersion): StoredObject {
  const { kind: _k, apiVersion: _a, metadata: _m, ...fields } = version === 'core' ? fromCoreEvent(next) : next;
  const event: StoredObject = { ...fields, apiVersion: current.apiVersion, kind: current.kind, metadata: current.metadata };
  const causes: StatusCause[] = [];
  const namespace = current.metadata.namespace ?? '';
  legacyChecks(event, namespace, version, causes);
  timeChecks(event, version, causes);
  if (version === 'events') {
    if (JSON.stringify(event['series']) !== JSON.stringify(current['series'])) seriesChecks(event, causes);
    for (const f of IMMUTABLE) {
      if (JSON.stringify(event[f] ?? null) !== JSON.stringify(current[f] ?? null)) {
        causes.push({ field: fieldName(version, f, CORE_NAMES[f]), reason: 'FieldValueInvalid', message: 'Invalid value: field is immutable' });
      }
    }
  }
  if (causes.length > 0) throw invalid('Event', version === 'core' ? '' : EVENTS_GROUP, current.metadata.name, causes);
  return event;
}
