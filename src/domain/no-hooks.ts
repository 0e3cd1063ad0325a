// A job that ran no hook at all ends `completed` with a zero summary, which reads like
// success: the job's warnings say why nothing ran (no pod matched, or the pods have neither
// hook annotations nor a spec hook that selects them). Velero is silent here; a caller
// who typed a selector by hand needs to know that it did nothing.

import type { RestoreHooks } from './types.ts';
import type { JobSource } from './views.ts';

const ANNOTATIONS = 'post.hook.restore.velero.io';

interface EndedPod {
  readonly error: string | null;
  readonly hooks: readonly unknown[];
}

function execHookCount(hooks: RestoreHooks | null): number {
  let n = 0;
  for (const r of hooks?.resources ?? []) for (const h of r.postHooks ?? []) if (h.exec) n++;
  return n;
}

function selectorText(source: Extract<JobSource, { kind: 'selector' }>): string {
  const where = source.namespaces.length === 0 ? 'in every namespace the job may list' : `in namespace${source.namespaces.length === 1 ? '' : 's'} ${source.namespaces.join(', ')}`;
  return `labelSelector ${source.labelSelector === '' ? '(everything)' : source.labelSelector} ${where}`;
}

/**
 * The warning for an ended job with no hook in any pod, or null when it ran (or planned)
 * some, or when its pods' own errors already say what went wrong.
 */
export function noHooksWarning(source: JobSource, hooks: RestoreHooks | null, pods: readonly EndedPod[]): string | null {
  if (pods.some((p) => p.hooks.length > 0)) return null;
  if (source.kind === 'selector' && pods.length === 0) return `the selector matched no pods (${selectorText(source)}), so no hook ran`;
  const plain = pods.filter((p) => p.error === null).length;
  if (plain === 0) return null;
  const one = plain === 1;
  const specHooks = execHookCount(hooks);
  const why =
    `no ${ANNOTATIONS} annotations on ${one ? 'it' : 'them'}, and ` +
    (specHooks === 0
      ? 'no hooks in the job'
      : `none of the job's ${specHooks} exec post hook${specHooks === 1 ? '' : 's'} selects ${one ? 'it' : 'them'} (includedNamespaces, labelSelector)`);
  const some = plain < pods.length ? (one ? 'the one processed without error has no hooks' : `none of the ${plain} processed without error has hooks`) : null;
  const count = (n: number): string => `${n} pod${n === 1 ? '' : 's'}`;
  if (source.kind === 'selector') {
    return `the selector matched ${count(pods.length)} (${selectorText(source)}), ${some ?? (one ? 'it has no hooks' : 'none has hooks')}: ${why}`;
  }
  return `${some ?? (one ? 'the pod has no hooks' : `none of the ${count(plain)} has hooks`)}: ${why}`;
}
