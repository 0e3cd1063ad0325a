// The ordered hooks of one pod, as Velero's GroupRestoreExecHooks (internal/hook/
// item_hook_handler.go) chooses them, flattened into plan order:
// - an annotation command gives the pod's only hook, named "<from-annotation>"; spec hooks
//   are then ignored for that pod;
// - otherwise every exec post hook of every entry that applies to the pod (namespaces,
//   label selector; resource lists are replaced by "pods" in Velero, so they do not matter),
//   in entry order then postHooks order, named after the entry; init hooks are not run here;
// - an empty container is the pod's first container; unset waitForReady is false.
// Velero's wait handler then discards hooks whose container the pod does not have, with a log
// line; hookd keeps them in the plan with skipReason set and a warning (reported skipped).
// Velero also plans nothing for a pod without containers; hookd skips such hooks the same way.

import { readAnnotationHook } from './annotations.ts';
import { DEFAULT_EXEC_TIMEOUT_MS, effectiveExecTimeout, MAX_EXEC_TIMEOUT_MS } from './exec-timeout.ts';
import { formatGoDuration, parseGoDuration } from './duration.ts';
import { namespaceMatches } from './namespaces.ts';
import { matchesLabelSelector } from './selector.ts';
import { ANNOTATION_HOOK_NAME, HookSource, OnError } from './types.ts';
import type { ExecRestoreHook, PlannedHook, PodPlan, PodView, RestoreHooks, RestoreResourceHookSpec } from './types.ts';

type Draft = Omit<PlannedHook, 'index' | 'skipReason'>;

/** Whether a spec entry applies to the pod (ResourceHookSelector.applicableTo for pods). */
export function entryAppliesTo(entry: RestoreResourceHookSpec, pod: PodView): boolean {
  return (
    namespaceMatches(pod.namespace, entry.includedNamespaces, entry.excludedNamespaces) &&
    matchesLabelSelector(entry.labelSelector, pod.labels)
  );
}

/** A spec duration as Velero would hold it; bad values (only possible when the input skipped validation) warn and count as unset. */
function specDuration(value: string | undefined, where: string, field: 'execTimeout' | 'waitTimeout', warnings: string[]): number | null {
  if (value === undefined || value === '') return null;
  const ms = parseGoDuration(value);
  if (ms === null) {
    warnings.push(`${where}.${field}: ${JSON.stringify(value)} is not a duration; ${field === 'execTimeout' ? 'default 30s' : 'no wait limit'}`);
    return null;
  }
  if (ms < 0 && field === 'execTimeout') {
    warnings.push(`${where}.execTimeout: ${JSON.stringify(value)} is negative; Velero's exec takes its default 30s for any timeout of 0 or less`);
    return null;
  }
  if (ms < 0) warnings.push(`${where}.waitTimeout: ${JSON.stringify(value)} is negative; as in Velero the hook fails as expired once its container is up`);
  if (field === 'execTimeout' && effectiveExecTimeout(ms).capped) {
    warnings.push(`${where}.execTimeout: ${JSON.stringify(value)} is more than ${formatGoDuration(MAX_EXEC_TIMEOUT_MS)}; capped at ${formatGoDuration(MAX_EXEC_TIMEOUT_MS)} (Velero)`);
    return MAX_EXEC_TIMEOUT_MS;
  }
  return ms === 0 ? null : ms;
}

function specDraft(entry: RestoreResourceHookSpec, exec: ExecRestoreHook, where: string, warnings: string[]): Draft {
  let onError: OnError = OnError.Continue;
  if (exec.onError === OnError.Fail) onError = OnError.Fail;
  else if (exec.onError !== undefined && exec.onError !== OnError.Continue) {
    warnings.push(`${where}.onError: ${JSON.stringify(exec.onError)} is not Continue or Fail (exact case); Continue`);
  }
  return {
    name: entry.name,
    source: HookSource.Spec,
    container: exec.container ?? '',
    command: exec.command,
    onError,
    execTimeoutMs: specDuration(exec.execTimeout, where, 'execTimeout', warnings) ?? DEFAULT_EXEC_TIMEOUT_MS,
    waitTimeoutMs: specDuration(exec.waitTimeout, where, 'waitTimeout', warnings),
    waitForReady: exec.waitForReady === true,
  };
}

function specDrafts(pod: PodView, hooks: RestoreHooks | null, warnings: string[]): Draft[] {
  const drafts: Draft[] = [];
  (hooks?.resources ?? []).forEach((entry, i) => {
    if (!entryAppliesTo(entry, pod)) return;
    (entry.postHooks ?? []).forEach((postHook, j) => {
      if (postHook.exec) drafts.push(specDraft(entry, postHook.exec, `hook ${entry.name} (hooks.resources[${i}].postHooks[${j}].exec)`, warnings));
    });
  });
  return drafts;
}

/** Plans the hooks of one pod; the plan's warnings name every annotation or hook Velero would ignore silently. */
export function planPodHooks(pod: PodView, hooks: RestoreHooks | null): PodPlan {
  const reading = readAnnotationHook(pod.annotations);
  const warnings: string[] = [...reading.warnings];
  let drafts: Draft[];
  if (reading.hook) {
    const ignored = specDrafts(pod, hooks, []).length;
    if (ignored > 0) {
      warnings.push(`the pod's annotation hook takes precedence: ${ignored} spec hook(s) that match it are not run (Velero)`);
    }
    drafts = [{ ...reading.hook, name: ANNOTATION_HOOK_NAME, source: HookSource.Annotation }];
  } else {
    drafts = specDrafts(pod, hooks, warnings);
  }

  const first = pod.containers[0];
  const resolved = drafts.map((d) => ({ ...d, container: d.container === '' ? (first ?? '') : d.container }));

  const missing = new Map<string, string[]>();
  const planned: PlannedHook[] = resolved.map((d, index) => {
    let skipReason: string | null = null;
    if (first === undefined) skipReason = `pod ${pod.namespace}/${pod.name} has no containers`;
    else if (!pod.containers.includes(d.container)) skipReason = `pod ${pod.namespace}/${pod.name} does not have container ${JSON.stringify(d.container)}`;
    if (skipReason !== null) missing.set(d.container, [...(missing.get(d.container) ?? []), d.name]);
    return { ...d, index, skipReason };
  });
  for (const [container, names] of missing) {
    const what = first === undefined ? 'has no containers' : `does not have container ${JSON.stringify(container)}`;
    warnings.push(`pod ${pod.namespace}/${pod.name} ${what}: hook(s) ${names.join(', ')} skipped (Velero discards them)`);
  }
  return { hooks: planned, warnings };
}
