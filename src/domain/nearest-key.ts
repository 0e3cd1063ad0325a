// The known key a misspelt one most likely meant, for warnings such as
// "post.hook.restore.velero.io/on-eror: unknown key, ignored (did you mean on-error?)".
// Velero ignores an unknown hook annotation without a word, so a typo silently turns a hook
// off or changes its error policy; naming the key meant makes the mistake plain.
//
// Distance: Damerau-Levenshtein in its optimal-string-alignment form (insert, delete,
// substitute, swap two neighbours; each costs 1), case-insensitive, with "_" read as "-".
// A key that is a whole "-" part of known keys ("timeout") suggests each of them.

/** Optimal string alignment distance between a and b. O(|a| * |b|) time, O(|b|) memory per row kept. */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  // Three rows: the one before the previous is needed for transpositions.
  let before = new Array<number>(b.length + 1).fill(0);
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  let cur = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, (before[j - 2] ?? 0) + 1);
      cur[j] = d;
    }
    [before, prev, cur] = [prev, cur, before];
  }
  return prev[b.length] ?? 0;
}

/** How far a key may be from a known one and still be taken for a typo of it. */
function tolerance(length: number): number {
  if (length <= 3) return 1;
  // About one edit in four: "wait-for-readiness" is still wait-for-ready.
  return Math.max(2, Math.floor(length / 4));
}

const normal = (k: string): string => k.toLowerCase().replaceAll('_', '-');

/**
 * The known keys `key` most likely meant, nearest first (ties in the order of `known`);
 * empty when none is near. Keys longer than 64 characters are not compared (no typo is that long).
 */
export function nearestKeys(key: string, known: readonly string[]): string[] {
  if (key.length === 0 || key.length > 64) return [];
  const k = normal(key);
  let best = Infinity;
  let found: string[] = [];
  for (const candidate of known) {
    const d = editDistance(k, normal(candidate));
    if (d > tolerance(Math.max(k.length, candidate.length))) continue;
    if (d < best) {
      best = d;
      found = [candidate];
    } else if (d === best) found.push(candidate);
  }
  if (found.length > 0) return found;
  // Part of a key: "timeout" for exec-timeout or wait-timeout, "ready" for wait-for-ready.
  return known.filter((candidate) => k.length >= 3 && normal(candidate).split('-').includes(k));
}

/** " (did you mean on-error?)", " (did you mean exec-timeout or wait-timeout?)", or "". */
export function didYouMean(key: string, known: readonly string[]): string {
  const near = nearestKeys(key, known);
  if (near.length === 0) return '';
  const last = near[near.length - 1] ?? '';
  const named = near.length === 1 ? last : `${near.slice(0, -1).join(', ')} or ${last}`;
  return ` (did you mean ${named}?)`;
}
