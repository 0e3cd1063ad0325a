// A metav1.LabelSelector object ({matchLabels, matchExpressions}) against labels, as
// aggregationRule.clusterRoleSelectors use it. An empty selector matches everything.

import { isObject } from '../patch.ts';
import type { JsonObject } from '../types.ts';

export function matchesLabels(selector: JsonObject, labels: Readonly<Record<string, string>>): boolean {
  const ml = isObject(selector['matchLabels']) ? selector['matchLabels'] : {};
  for (const [k, v] of Object.entries(ml)) if (labels[k] !== v) return false;
  const exprs = Array.isArray(selector['matchExpressions']) ? selector['matchExpressions'].filter(isObject) : [];
  for (const e of exprs) {
    const key = typeof e['key'] === 'string' ? e['key'] : '';
    const values = Array.isArray(e['values']) ? e['values'].filter((x): x is string => typeof x === 'string') : [];
    const has = Object.hasOwn(labels, key);
    const value = labels[key];
    switch (e['operator']) {
      case 'In':
        if (!has || value === undefined || !values.includes(value)) return false;
        break;
      case 'NotIn':
        if (has && value !== undefined && values.includes(value)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}
