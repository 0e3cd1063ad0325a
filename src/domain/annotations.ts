// The post-restore hook a pod declares in its annotations, read as Velero's
// getPodExecRestoreHookFromAnnotations (internal/hook/item_hook_handler.go) reads it:
// - no hook unless `command` is present and non-empty;
// - `on-error` counts only when exactly "Continue" or "Fail" (else unset, which behaves as Continue);
// - `exec-timeout`, `wait-timeout`: time.ParseDuration, unparsable is ignored (unset);
// - `wait-for-ready`: strconv.ParseBool, unparsable is false.
// Velero drops what it cannot read with at most a log line; hookd keeps Velero's value and
// adds a warning naming the key and the value; for a key it does not know, the key and the
// known key it most likely meant (domain/nearest-key.ts).

import { parseCommand } from './command.ts';
import { formatGoDuration, parseGoDuration } from './duration.ts';
import { DEFAULT_EXEC_TIMEOUT_MS, effectiveExecTimeout, MAX_EXEC_TIMEOUT_MS } from './exec-timeout.ts';
import { parseGoBool } from './go-bool.ts';
import { didYouMean, nearestKeys } from './nearest-key.ts';
import { OnError, type PlannedHook } from './types.ts';

export const ANNOTATION_PREFIX = 'post.hook.restore.velero.io/';
export const ANNOTATION_KEYS = {
  command: `${ANNOTATION_PREFIX}command`,
  container: `${ANNOTATION_PREFIX}container`,
  onError: `${ANNOTATION_PREFIX}on-error`,
  execTimeout: `${ANNOTATION_PREFIX}exec-timeout`,
  waitTimeout: `${ANNOTATION_PREFIX}wait-timeout`,
  waitForReady: `${ANNOTATION_PREFIX}wait-for-ready`,
} as const;
const KNOWN: ReadonlySet<string> = new Set(Object.values(ANNOTATION_KEYS));
/** The known keys without the prefix, in the order Velero documents them. */
const KNOWN_NAMES = Object.values(ANNOTATION_KEYS).map((k) => k.slice(ANNOTATION_PREFIX.length));


/**
 * The annotation hook with Velero's defaults applied, except the container ('' = the first one).
 * A negative waitTimeoutMs is kept: Velero then fails the hook as expired.
 */
export type AnnotationHook = Pick<PlannedHook, 'container' | 'command' | 'onError' | 'execTimeoutMs' | 'waitTimeoutMs' | 'waitForReady'>;

export interface AnnotationReading {
  readonly hook: AnnotationHook | null;
  readonly warnings: readonly string[];
}

const show = (key: string, value: string): string => `${key}: ${JSON.stringify(value)}`;

/**
 * Keys that look like a misspelt post-restore hook prefix ("hook.restore.velero.io/command",
 * "Post.hook.restore.velero.io/command"): Velero would ignore them without a word.
 * The init-hook prefix is Velero's own and is left alone.
 */
function looksLikeMisspeltPrefix(key: string): boolean {
  const lower = key.toLowerCase();
  if (key.startsWith(ANNOTATION_PREFIX) || key.startsWith('init.hook.restore.velero.io/')) return false;
  return /hooks?\.restore\.velero\.io\//.test(lower) || lower.startsWith('post.hook.restore.');
}

/**
 * Whether readAnnotationHook reads this key at all: a hook key, or one that looks like a
 * misspelt one (it is warned about). Every other annotation can be left out of a pod's view.
 */
export function isHookAnnotationKey(key: string): boolean {
  return key.startsWith(ANNOTATION_PREFIX) || looksLikeMisspeltPrefix(key);
}

/** Reads `post.hook.restore.velero.io/*` from a pod's annotations. */
export function readAnnotationHook(annotations: Readonly<Record<string, string>>): AnnotationReading {
  const warnings: string[] = [];
  for (const [key, value] of Object.entries(annotations)) {
    if (key.startsWith(ANNOTATION_PREFIX) && !KNOWN.has(key)) {
      // A misspelt key turns a setting off without a word from Velero: name the key it most likely meant.
      const hint = didYouMean(key.slice(ANNOTATION_PREFIX.length), KNOWN_NAMES) || ` (known keys: ${KNOWN_NAMES.join(', ')})`;
      warnings.push(`${key}: unknown key, ignored${hint}`);
    } else if (looksLikeMisspeltPrefix(key)) {
      const near = nearestKeys(key.slice(key.indexOf('/') + 1), KNOWN_NAMES);
      const hint = near.length === 1 ? ` (did you mean ${ANNOTATION_PREFIX}${near[0] ?? ''}?)` : '';
      warnings.push(`${show(key, value)} is not under ${ANNOTATION_PREFIX}; ignored${hint}`);
    }
  }

  const commandValue = annotations[ANNOTATION_KEYS.command] ?? '';
  if (commandValue === '') {
    for (const key of KNOWN) {
      const value = annotations[key];
      if (key !== ANNOTATION_KEYS.command && value !== undefined && value !== '') {
        warnings.push(`${show(key, value)} has no ${ANNOTATION_KEYS.command} beside it; no annotation hook`);
      }
    }
    return { hook: null, warnings };
  }

  const command = parseCommand(commandValue);
  if (commandValue.startsWith('[') && command.length === 1 && command[0] === commandValue) {
    warnings.push(`${show(ANNOTATION_KEYS.command, commandValue)} starts with '[' but is not a JSON array of strings; run as one argument`);
  }
  if (command.length === 0) {
    warnings.push(`${show(ANNOTATION_KEYS.command, commandValue)} is an empty command; the hook fails as in Velero (command is required)`);
  }

  const onErrorValue = annotations[ANNOTATION_KEYS.onError] ?? '';
  let onError: OnError = OnError.Continue;
  if (onErrorValue === OnError.Fail) onError = OnError.Fail;
  else if (onErrorValue !== '' && onErrorValue !== OnError.Continue) {
    warnings.push(`${show(ANNOTATION_KEYS.onError, onErrorValue)} is not Continue or Fail (exact case); Continue`);
  }

  let execTimeoutMs = DEFAULT_EXEC_TIMEOUT_MS;
  const execValue = annotations[ANNOTATION_KEYS.execTimeout] ?? '';
  if (execValue !== '') {
    const ms = parseGoDuration(execValue);
    if (ms === null) {
      warnings.push(`${show(ANNOTATION_KEYS.execTimeout, execValue)} is not a duration; default ${formatGoDuration(DEFAULT_EXEC_TIMEOUT_MS)}`);
    } else if (ms < 0) {
      warnings.push(
        `${show(ANNOTATION_KEYS.execTimeout, execValue)} is negative; Velero's exec takes its default ${formatGoDuration(DEFAULT_EXEC_TIMEOUT_MS)} for any timeout of 0 or less`,
      );
    } else if (ms > 0) {
      const effective = effectiveExecTimeout(ms);
      if (effective.capped) warnings.push(`${show(ANNOTATION_KEYS.execTimeout, execValue)} is more than ${formatGoDuration(MAX_EXEC_TIMEOUT_MS)}; capped at ${formatGoDuration(MAX_EXEC_TIMEOUT_MS)} (Velero)`);
      execTimeoutMs = effective.ms;
    }
  }

  let waitTimeoutMs: number | null = null;
  const waitValue = annotations[ANNOTATION_KEYS.waitTimeout] ?? '';
  if (waitValue !== '') {
    const ms = parseGoDuration(waitValue);
    if (ms === null) warnings.push(`${show(ANNOTATION_KEYS.waitTimeout, waitValue)} is not a duration; no wait limit`);
    else if (ms < 0) {
      warnings.push(`${show(ANNOTATION_KEYS.waitTimeout, waitValue)} is negative; as in Velero the hook fails as expired once its container is up`);
      waitTimeoutMs = ms;
    } else if (ms > 0) waitTimeoutMs = ms;
  }

  let waitForReady = false;
  const readyValue = annotations[ANNOTATION_KEYS.waitForReady] ?? '';
  if (readyValue !== '') {
    const b = parseGoBool(readyValue);
    if (b === null) warnings.push(`${show(ANNOTATION_KEYS.waitForReady, readyValue)} is not a boolean (true, false, 1, 0, t, f, ...); false`);
    else waitForReady = b;
  }

  return {
    hook: { container: annotations[ANNOTATION_KEYS.container] ?? '', command, onError, execTimeoutMs, waitTimeoutMs, waitForReady },
    warnings,
  };
}
