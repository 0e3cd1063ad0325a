// metav1.LabelSelector as Velero applies it to a hook entry (item_hook_handler.go
// GetRestoreHooksFromSpec + ResourceHookSelector.applicableTo):
// - no selector (undefined/null): Velero sets no LabelSelector, so every pod matches;
// - an empty selector `{}`: metav1.LabelSelectorAsSelector returns labels.Everything(),
//   so every pod matches too (unlike a nil *LabelSelector passed to it, which is Nothing);
// - matchLabels are Equals requirements, matchExpressions In/NotIn/Exists/DoesNotExist,
//   all of which must hold (labels.Requirement.Matches: NotIn matches a missing key).
// A selector that LabelSelectorAsSelector rejects (bad operator, In without values, Exists
// with values, bad key or value) makes Velero fail the Restore's validation; here it matches
// no pod, and validateHookInput reports it to the caller.

import { labelKeyProblem, labelValueProblem } from './label-syntax.ts';
import type { LabelSelector, LabelSelectorRequirement } from './types.ts';

/** Why LabelSelectorAsSelector would reject this requirement, or null. */
export function requirementProblem(req: LabelSelectorRequirement): string | null {
  const keyProblem = labelKeyProblem(req.key);
  if (keyProblem) return keyProblem;
  const values = req.values ?? [];
  switch (req.operator) {
    case 'In':
    case 'NotIn':
      if (values.length === 0) return `operator ${req.operator} needs at least one value`;
      break;
    case 'Exists':
    case 'DoesNotExist':
      if (values.length !== 0) return `operator ${req.operator} must have no values`;
      break;
    default:
      return `${JSON.stringify(req.operator)} is not a valid label selector operator`;
  }
  for (const v of values) {
    const p = labelValueProblem(v);
    if (p) return p;
  }
  return null;
}

function requirementMatches(req: LabelSelectorRequirement, labels: Readonly<Record<string, string>>): boolean {
  const has = Object.hasOwn(labels, req.key);
  const values = req.values ?? [];
  switch (req.operator) {
    case 'In':
      return has && values.includes(labels[req.key] ?? '');
    case 'NotIn':
      return !has || !values.includes(labels[req.key] ?? '');
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    default:
      return false;
  }
}

/** Each part of a selector that metav1.LabelSelectorAsSelector refuses, with its path under `path`. */
export function selectorProblems(selector: LabelSelector, path: string): { readonly path: string; readonly message: string }[] {
  const out: { path: string; message: string }[] = [];
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    const p = labelKeyProblem(key) ?? labelValueProblem(value);
    if (p) out.push({ path: `${path}.matchLabels[${JSON.stringify(key)}]`, message: p });
  }
  (selector.matchExpressions ?? []).forEach((req, k) => {
    const p = requirementProblem(req);
    if (p) out.push({ path: `${path}.matchExpressions[${k}]`, message: p });
  });
  return out;
}

/** Whether a hook entry's labelSelector selects a pod with these labels. */
export function matchesLabelSelector(
  selector: LabelSelector | null | undefined,
  labels: Readonly<Record<string, string>>,
): boolean {
  if (selector === null || selector === undefined) return true;
  const matchLabels = Object.entries(selector.matchLabels ?? {});
  const expressions = selector.matchExpressions ?? [];
  if (matchLabels.length + expressions.length === 0) return true;
  const reqs: LabelSelectorRequirement[] = [
    ...matchLabels.map(([key, value]): LabelSelectorRequirement => ({ key, operator: 'In', values: [value] })),
    ...expressions,
  ];
  if (reqs.some((r) => requirementProblem(r) !== null)) return false;
  return reqs.every((r) => requirementMatches(r, labels));
}
