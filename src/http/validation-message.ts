// Turns schema validation errors (TypeBox's or ajv's, both ajv-shaped) into one message that
// says what was wrong and where, e.g.
//   body.hooks.resources[0].postHooks[1].exec.waitTimout: unknown field (allowed: container, command, ...)
//   body.pods[0].namespace: "Db" is not valid: a namespace name: a DNS label (...)
// The first meaningful error is reported: one clear fix at a time beats a list of echoes
// (a failed union reports every branch; "schema is false" repeats additionalProperties).

import { capped } from './capped.ts';

export interface SchemaError {
  readonly keyword: string;
  readonly instancePath: string;
  readonly schemaPath: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly message?: string | undefined;
}

/** Characters of a key shown in a path: a key is the caller's, and a message must not echo a megabyte of it. */
const MAX_KEY_SHOWN = 64;

/**
 * `/hooks/resources/0/name` -> `hooks.resources[0].name`; keys that are not identifiers are
 * quoted, and a key longer than 64 characters is shown by its start and its length.
 */
export function pathOf(context: string, pointer: string): string {
  let out = context;
  if (pointer === '') return out;
  for (const raw of pointer.slice(1).split('/')) {
    const seg = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (seg.length > MAX_KEY_SHOWN) out += `[${JSON.stringify(seg.slice(0, MAX_KEY_SHOWN))}... (${seg.length} characters)]`;
    else if (/^\d+$/.test(seg)) out += `[${seg}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(seg)) out += `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

function valueAt(data: unknown, pointer: string): unknown {
  let cur: unknown = data;
  if (pointer === '') return cur;
  for (const raw of pointer.slice(1).split('/')) {
    const seg = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[seg];
  }
  return cur;
}

function schemaAt(schema: unknown, schemaPath: string): Record<string, unknown> | null {
  let cur: unknown = schema;
  const parts = schemaPath.replace(/^#\/?/, '').split('/').filter((p) => p !== '');
  for (const raw of parts) {
    const seg = decodeURIComponent(raw.replaceAll('~1', '/').replaceAll('~0', '~'));
    if (cur === null || typeof cur !== 'object') return null;
    cur = (cur as Record<string, unknown>)[seg];
  }
  return cur !== null && typeof cur === 'object' ? (cur as Record<string, unknown>) : null;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  // JSON.parse reads 1e999 as Infinity, which JSON.stringify would show as null.
  if (typeof value === 'number' && !Number.isFinite(value)) return `number ${String(value)}`;
  return `${typeof value} ${capped(JSON.stringify(value))}`;
}

function typeName(t: unknown): string {
  const names = (Array.isArray(t) ? t : [t]).map((x) => (x === 'object' ? 'an object' : x === 'array' ? 'an array' : String(x)));
  return names.join(' or ');
}

/** The schema that failed, for its `description` and property names (ajv's schemaPath ends with the keyword, TypeBox's at the schema). */
function failingSchema(e: SchemaError, root: unknown): Record<string, unknown> | null {
  const suffix = `/${e.keyword}`;
  return schemaAt(root, e.schemaPath.endsWith(suffix) ? e.schemaPath.slice(0, -suffix.length) : e.schemaPath);
}

function messageFor(e: SchemaError, context: string, root: unknown, data: unknown): string {
  const path = pathOf(context, e.instancePath);
  const value = valueAt(data, e.instancePath);
  const schema = failingSchema(e, root);
  const p = e.params;
  switch (e.keyword) {
    case 'required': {
      const missing = (p['requiredProperties'] as string[] | undefined)?.filter((k) => value === null || typeof value !== 'object' || !(k in value)) ?? [
        String(p['missingProperty']),
      ];
      return `${path}.${missing[0] ?? '?'}: is required`;
    }
    case 'additionalProperties': {
      const extra = (p['additionalProperties'] as string[] | undefined)?.[0] ?? String(p['additionalProperty']);
      const allowed = schema && typeof schema['properties'] === 'object' ? Object.keys(schema['properties'] as object) : [];
      return `${pathOf(path, `/${extra.replaceAll('~', '~0').replaceAll('/', '~1')}`)}: unknown field${allowed.length > 0 ? ` (allowed: ${allowed.join(', ')})` : ''}`;
    }
    case 'type':
      return `${path}: must be ${typeName(p['type'])}, not ${describe(value)}`;
    case 'enum':
      return `${path}: ${describe(value)} is not one of: ${((p['allowedValues'] as unknown[] | undefined) ?? (schema?.['enum'] as unknown[] | undefined) ?? []).join(', ')}`;
    case 'pattern':
    case 'format': {
      const hint = typeof schema?.['description'] === 'string' ? `: expected ${schema['description']}` : '';
      return `${path}: ${describe(value)} is not valid${hint}`;
    }
    case 'minLength':
      return Number(p['limit']) <= 1 ? `${path}: must not be empty` : `${path}: must be at least ${String(p['limit'])} characters`;
    case 'maxLength':
      return `${path}: must be at most ${String(p['limit'])} characters`;
    case 'minItems':
      return `${path}: must have at least ${String(p['limit'])} item${Number(p['limit']) === 1 ? '' : 's'}`;
    case 'maxItems':
      return `${path}: must have at most ${String(p['limit'])} items`;
    case 'minimum':
    case 'maximum':
      return `${path}: must be ${String(p['comparison'] ?? (e.keyword === 'minimum' ? '>=' : '<='))} ${String(p['limit'])}, not ${describe(value)}`;
    default:
      return `${path}: ${e.message ?? 'is not valid'}`;
  }
}

export function validationMessage(errors: readonly SchemaError[], context: string, schema: unknown, data: unknown): string {
  const meaningful = errors.filter((e) => e.keyword !== 'boolean' && !e.schemaPath.includes('/anyOf/') && e.keyword !== 'anyOf');
  const chosen = meaningful[0] ?? errors.find((e) => e.keyword === 'anyOf') ?? errors[0];
  if (!chosen) return `${context}: is not valid`;
  if (chosen.keyword === 'anyOf') return `${pathOf(context, chosen.instancePath)}: ${describe(valueAt(data, chosen.instancePath))} matches none of the allowed shapes`;
  return messageFor(chosen, context, schema, data);
}
