// The command annotation, as Velero's parseStringToCommand (item_hook_handler.go) reads it:
// a value starting with '[' is decoded as a JSON array of strings; when that fails the whole
// value is one argument; any other value is one argument as it stands. Never split on spaces.

/** Go's json.Unmarshal into []string: null elements leave "" (no error), anything else not a string fails. */
function decodeStringArray(value: string): string[] | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return null;
  }
  if (!Array.isArray(parsed)) return null;
  const out: string[] = [];
  for (const item of parsed as unknown[]) {
    if (typeof item === 'string') out.push(item);
    else if (item === null) out.push('');
    else return null;
  }
  return out;
}

/** The argv of an annotation command. `value` is non-empty (an empty command means no annotation hook). */
export function parseCommand(value: string): string[] {
  if (value.startsWith('[')) return decodeStringArray(value) ?? [value];
  return [value];
}
