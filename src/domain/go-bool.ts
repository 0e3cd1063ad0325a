// strconv.ParseBool, exactly: Velero reads the wait-for-ready annotation with it
// (item_hook_handler.go getPodExecRestoreHookFromAnnotations), so "yes" or "on" are errors there too.

const TRUE: ReadonlySet<string> = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE: ReadonlySet<string> = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/** true / false as Go accepts them; null where strconv.ParseBool returns an error. */
export function parseGoBool(s: string): boolean | null {
  if (TRUE.has(s)) return true;
  if (FALSE.has(s)) return false;
  return null;
}
