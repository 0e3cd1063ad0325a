// A Velero Restore's spec.hooks, read as Velero reads them. The Restore was admitted by its
// CRD's schema, not by hookd's stricter one for a caller's own hooks, so what Velero would run
// is run, and what it would do differently from a caller's reading is said in warnings:
// - a null list is an empty one (the CRD marks the namespace and resource lists, the label
//   selector and waitForReady nullable);
// - a post hook without exec is skipped (restore hook grouping: `if rh.Exec == nil { continue }`),
//   and an init hook is left out (Velero injected it when it restored the pod);
// - an empty container is the pod's first container (the plan resolves it per pod);
// - an empty name is kept: podexec refuses such a hook with "hookName is required" once its
//   container is up, and so does hookd (exec-result.ts);
// - a namespace pattern that does not compile matches nothing, nor does any pattern of its
//   list sorted after it (namespaces.ts);
// - a field Velero does not know is ignored (its decoder drops it; a CRD prunes it).
// Durations are checked: one that is not a Go duration would not even decode in Velero, so
// the Restore's hooks could not run there; that, and a label selector Velero cannot turn into
// a selector (the Restore's hooks fail there), are errors.
// Negative or over-long durations are Velero's to read, and the plan reads them so (plan.ts).

import { parseGoDurationNs } from './duration.ts';
import { compileGlob } from './glob.ts';
import { compareGoStrings } from './namespaces.ts';
import { selectorProblems } from './selector.ts';
import type { ExecRestoreHook, LabelSelector, OnError, RestoreHooks, RestoreResourceHook, RestoreResourceHookSpec } from './types.ts';

export interface RestoreHooksReading {
  readonly hooks: RestoreHooks;
  readonly warnings: readonly string[];
  /** Problems that keep Velero from running the Restore's hooks at all; empty when none. */
  readonly errors: readonly string[];
  /** Init hooks left out (Velero injected them when it restored the pod). */
  readonly initHooks: number;
}

/** What a reading collects as it walks the Restore. */
interface Findings {
  readonly warnings: string[];
  readonly errors: string[];
  initHooks: number;
}

type Json = Record<string, unknown>;

const ENTRY_FIELDS = new Set(['name', 'includedNamespaces', 'excludedNamespaces', 'includedResources', 'excludedResources', 'labelSelector', 'postHooks']);
const POST_HOOK_FIELDS = new Set(['exec', 'init']);
const EXEC_FIELDS = new Set(['container', 'command', 'onError', 'execTimeout', 'waitTimeout', 'waitForReady']);

const isJson = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const strings = (v: unknown): readonly string[] | undefined => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined);
const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function unknownFields(o: Json, known: ReadonlySet<string>, path: string, warnings: string[]): void {
  for (const key of Object.keys(o)) {
    if (!known.has(key)) warnings.push(`${path}.${key.length > 64 ? `${key.slice(0, 64)}...` : key}: unknown field, ignored (Velero ignores it too)`);
  }
}

function readExec(raw: Json, path: string, warnings: string[], errors: string[]): ExecRestoreHook {
  unknownFields(raw, EXEC_FIELDS, path, warnings);
  for (const field of ['execTimeout', 'waitTimeout'] as const) {
    const value = text(raw[field]);
    if (value === undefined) continue;
    const parsed = parseGoDurationNs(value);
    if (!parsed.ok) errors.push(`${path}.${field}: ${JSON.stringify(value)} is not a Go duration such as 30s or 1m30s (${parsed.error}); Velero cannot decode this Restore`);
  }
  const container = text(raw['container']);
  const onError = text(raw['onError']);
  const execTimeout = text(raw['execTimeout']);
  const waitTimeout = text(raw['waitTimeout']);
  const waitForReady = raw['waitForReady'];
  return {
    command: strings(raw['command']) ?? [],
    ...(container !== undefined && container !== '' ? { container } : {}),
    ...(onError !== undefined ? { onError: onError as OnError } : {}),
    ...(execTimeout !== undefined ? { execTimeout } : {}),
    ...(waitTimeout !== undefined ? { waitTimeout } : {}),
    ...(typeof waitForReady === 'boolean' ? { waitForReady } : {}),
  };
}

/** The first pattern, in Velero's order (deduplicated, sorted), that does not compile, and the ones it hides. */
function brokenPattern(list: readonly string[]): { readonly pattern: string; readonly index: number; readonly error: string; readonly after: readonly string[] } | null {
  const sorted = [...new Set(list)].sort(compareGoStrings);
  for (let i = 0; i < sorted.length; i++) {
    const pattern = sorted[i] ?? '';
    const g = compileGlob(pattern);
    if (!g.ok) return { pattern, index: list.indexOf(pattern), error: g.error, after: sorted.slice(i + 1) };
  }
  return null;
}

function readEntry(raw: Json, path: string, found: Findings): RestoreResourceHookSpec {
  const { warnings, errors } = found;
  unknownFields(raw, ENTRY_FIELDS, path, warnings);
  const name = text(raw['name']) ?? '';
  if (name === '') warnings.push(`${path}.name: empty; Velero fails each of its hooks with "hookName is required" once its container is up, without running it, and so does hookd`);
  const lists: Partial<Record<'includedNamespaces' | 'excludedNamespaces' | 'includedResources' | 'excludedResources', readonly string[]>> = {};
  for (const field of ['includedNamespaces', 'excludedNamespaces', 'includedResources', 'excludedResources'] as const) {
    const list = strings(raw[field]);
    if (list === undefined) continue;
    lists[field] = list;
    if (field === 'includedNamespaces' || field === 'excludedNamespaces') {
      const broken = brokenPattern(list);
      if (broken !== null) {
        const after = broken.after.length === 0 ? '' : ` and every pattern sorted after it (${broken.after.slice(0, 5).map((p) => JSON.stringify(p)).join(', ')}${broken.after.length > 5 ? ', ...' : ''})`;
        warnings.push(
          `${path}.${field}[${broken.index}]: ${JSON.stringify(broken.pattern)} is not a valid glob pattern (${broken.error}); as in Velero, which tries the patterns in sorted order and stops at the first that does not compile, it${after} match${after === '' ? 'es' : ''} no namespace`,
        );
      }
    }
  }
  const selector = isJson(raw['labelSelector']) ? (raw['labelSelector'] as LabelSelector) : undefined;
  for (const p of selector === undefined ? [] : selectorProblems(selector, `${path}.labelSelector`)) {
    errors.push(`${p.path}: ${p.message} (Velero fails the Restore's hooks)`);
  }
  const postHooks: RestoreResourceHook[] = [];
  (Array.isArray(raw['postHooks']) ? raw['postHooks'] : []).forEach((hook: unknown, j) => {
    const hookPath = `${path}.postHooks[${j}]`;
    if (!isJson(hook)) return;
    unknownFields(hook, POST_HOOK_FIELDS, hookPath, warnings);
    const init = hook['init'] !== undefined && hook['init'] !== null;
    if (init) found.initHooks++;
    if (isJson(hook['exec'])) postHooks.push({ exec: readExec(hook['exec'], `${hookPath}.exec`, warnings, errors) });
    else if (!init) warnings.push(`${hookPath}: no exec; Velero skips it`);
  });
  return { name, ...lists, ...(selector !== undefined ? { labelSelector: selector } : {}), postHooks };
}

/**
 * Velero's hook tracker keys a hook by pod, container, source, entry name and its index in the
 * entry's postHooks: entries that share a name and have hooks at one index on one container
 * are counted once in its restore status, with the first result kept. hookd counts and
 * reports each hook; the warning says where the two differ.
 */
function sharedNames(resources: readonly RestoreResourceHookSpec[], where: string, warnings: string[]): void {
  const first = new Map<string, number>();
  resources.forEach((entry, i) => {
    const at = first.get(entry.name);
    if (at === undefined) first.set(entry.name, i);
    else warnings.push(`${where}.resources[${i}].name: ${JSON.stringify(entry.name.slice(0, 64))} is also the name of resources[${at}]; Velero counts hooks of the two at the same position on one container once in its restore status, keeping the first result; hookd reports each`);
  });
}

/** Warnings kept from one reading: a Restore may hold thousands of the same finding, and a job's warnings are stored and served. */
export const MAX_READING_WARNINGS = 20;

/** `raw`: spec.hooks whose JSON types have been checked; `where` names it in messages. */
export function readRestoreHooks(raw: unknown, where: string): RestoreHooksReading {
  const found: Findings = { warnings: [], errors: [], initHooks: 0 };
  const { warnings, errors } = found;
  if (!isJson(raw)) return { hooks: {}, warnings, errors, initHooks: 0 };
  unknownFields(raw, new Set(['resources']), where, warnings);
  const entries = Array.isArray(raw['resources']) ? raw['resources'] : [];
  const resources = entries.filter(isJson).map((entry, i) => readEntry(entry, `${where}.resources[${i}]`, found));
  sharedNames(resources, where, warnings);
  const more = warnings.length - MAX_READING_WARNINGS;
  const kept = more > 0 ? [...warnings.slice(0, MAX_READING_WARNINGS), `${where}: ${more} more warning${more === 1 ? '' : 's'} of the kinds above, not listed`] : warnings;
  return { hooks: { resources }, warnings: kept, errors, initHooks: found.initHooks };
}
