// An exec timeout as Velero's main branch reads it: 0 or less means the 30 s default, and
// anything above 4 h is capped at 4 h. Besides matching Velero, the cap keeps the value a
// timer can hold (Node fires a timer above 2^31-1 ms at once: a timeout of 30 days failed
// the hook after about 1 ms).

export const DEFAULT_EXEC_TIMEOUT_MS = 30_000;
export const MAX_EXEC_TIMEOUT_MS = 4 * 60 * 60 * 1000;

/** The timeout an exec gets for a parsed duration (ms), and whether it was capped. */
export function effectiveExecTimeout(ms: number): { readonly ms: number; readonly capped: boolean } {
  if (!(ms > 0)) return { ms: DEFAULT_EXEC_TIMEOUT_MS, capped: false };
  if (ms > MAX_EXEC_TIMEOUT_MS) return { ms: MAX_EXEC_TIMEOUT_MS, capped: true };
  return { ms, capped: false };
}
