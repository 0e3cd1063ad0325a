// Validation of a caller's `hooks` (a Velero Restore's spec.hooks) beyond its JSON schema,
// so that a job never carries a value Velero would reject or misread:
// - execTimeout, waitTimeout: Go durations (time.ParseDuration), not negative;
// - onError: exactly Continue or Fail (Velero silently treats anything else as Continue);
// - command: non-empty (podexec: "command is required"); name non-empty ("hookName is required");
// - labelSelector: what metav1.LabelSelectorAsSelector accepts (Velero fails the Restore otherwise);
// - namespace patterns that gobwas/glob cannot compile (Velero would silently match nothing);
// - init hooks: reported with kind 'init' (API: a 400).
// A Velero Restore's own spec.hooks are read as Velero reads them instead (restore-hooks.ts).

import { parseGoDurationNs } from './duration.ts';
import { MAX_EXEC_TIMEOUT_MS } from './exec-timeout.ts';
import { compileGlob } from './glob.ts';
import { selectorProblems } from './selector.ts';
import type { ExecRestoreHook, RestoreHooks, RestoreResourceHookSpec } from './types.ts';

export interface HookInputProblem {
  readonly path: string;
  readonly kind: 'init' | 'invalid';
  readonly message: string;
}

function durationProblem(value: string | undefined): string | null {
  if (value === undefined) return null;
  const r = parseGoDurationNs(value);
  if (!r.ok) return `${JSON.stringify(value)} is not a Go duration such as 30s or 1m30s (${r.error})`;
  if (r.ns < 0n) return `${JSON.stringify(value)} is negative`;
  return null;
}

function execProblems(exec: ExecRestoreHook, path: string, out: HookInputProblem[]): void {
  const invalid = (field: string, message: string): void => {
    out.push({ path: `${path}.${field}`, kind: 'invalid', message });
  };
  if (!Array.isArray(exec.command) || exec.command.length === 0) invalid('command', 'must not be empty (Velero: command is required)');
  if (exec.onError !== undefined && exec.onError !== 'Continue' && exec.onError !== 'Fail') {
    invalid('onError', `${JSON.stringify(exec.onError)} must be exactly Continue or Fail`);
  }
  for (const field of ['execTimeout', 'waitTimeout'] as const) {
    const p = durationProblem(exec[field]);
    if (p) invalid(field, p);
  }
  const exec4h = exec.execTimeout === undefined ? null : parseGoDurationNs(exec.execTimeout);
  if (exec4h?.ok && exec4h.ns > BigInt(MAX_EXEC_TIMEOUT_MS) * 1_000_000n) {
    invalid('execTimeout', `${JSON.stringify(exec.execTimeout)} is more than the 4h an exec may take (Velero caps it there)`);
  }
}

function entryProblems(entry: RestoreResourceHookSpec, path: string, out: HookInputProblem[]): void {
  if (entry.name === '') out.push({ path: `${path}.name`, kind: 'invalid', message: 'must not be empty (Velero: hookName is required)' });
  for (const field of ['includedNamespaces', 'excludedNamespaces'] as const) {
    (entry[field] ?? []).forEach((pattern, k) => {
      const g = compileGlob(pattern);
      if (!g.ok) {
        out.push({ path: `${path}.${field}[${k}]`, kind: 'invalid', message: `${JSON.stringify(pattern)} is not a valid glob pattern (${g.error}); Velero would match no namespace` });
      }
    });
  }
  if (entry.labelSelector) {
    for (const p of selectorProblems(entry.labelSelector, `${path}.labelSelector`)) out.push({ ...p, kind: 'invalid' });
  }
  (entry.postHooks ?? []).forEach((hook, j) => {
    const hookPath = `${path}.postHooks[${j}]`;
    if (hook.init !== undefined && hook.init !== null) {
      out.push({ path: `${hookPath}.init`, kind: 'init', message: 'init hooks must be injected before a pod starts; hookd runs exec hooks only' });
    }
    if (hook.exec) execProblems(hook.exec, `${hookPath}.exec`, out);
    else if (hook.init === undefined || hook.init === null) out.push({ path: hookPath, kind: 'invalid', message: 'a post hook needs exec' });
  });
}

/** Every problem in a caller's hooks, in document order, each with its path (basePath is e.g. "hooks"). */
export function validateHookInput(hooks: RestoreHooks, basePath: string): HookInputProblem[] {
  const out: HookInputProblem[] = [];
  (hooks.resources ?? []).forEach((entry, i) => entryProblems(entry, `${basePath}.resources[${i}]`, out));
  return out;
}
