// Kubernetes label key and value syntax (apimachinery validation.IsQualifiedName and
// IsValidLabelValue), which labels.NewRequirement checks when Velero converts a hook
// entry's labelSelector with metav1.LabelSelectorAsSelector.

const NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS1123_LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_SUBDOMAIN = new RegExp(`^${DNS1123_LABEL}(\\.${DNS1123_LABEL})*$`);
const VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Why `key` is not a valid label key, or null. */
export function labelKeyProblem(key: string): string | null {
  const parts = key.split('/');
  if (parts.length > 2) return `label key ${JSON.stringify(key)}: at most one '/' (an optional DNS subdomain prefix, then a name)`;
  const name = parts.length === 2 ? (parts[1] ?? '') : key;
  if (parts.length === 2) {
    const prefix = parts[0] ?? '';
    if (prefix === '') return `label key ${JSON.stringify(key)}: the prefix before '/' must be non-empty`;
    if (prefix.length > 253 || !DNS1123_SUBDOMAIN.test(prefix)) {
      return `label key ${JSON.stringify(key)}: the prefix must be a lowercase DNS subdomain of at most 253 characters`;
    }
  }
  if (name === '') return `label key ${JSON.stringify(key)}: the name part must be non-empty`;
  if (name.length > 63 || !NAME.test(name)) {
    return `label key ${JSON.stringify(key)}: the name part must be at most 63 characters of alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric`;
  }
  return null;
}

/** Why `value` is not a valid label value, or null. */
export function labelValueProblem(value: string): string | null {
  if (value.length > 63 || !VALUE.test(value)) {
    return `label value ${JSON.stringify(value)}: at most 63 characters of alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric (or empty)`;
  }
  return null;
}
