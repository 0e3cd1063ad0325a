// The opaque cursor of GET /v1/jobs: the position (createdAtMs, id) of the last job of a
// page in the index, base64url-encoded so clients treat it as a token, not a format.

export class CursorInvalidError extends Error {
  override readonly name = 'CursorInvalidError';
  readonly code = 'CURSOR_INVALID';
}

export interface Cursor {
  readonly score: number;
  readonly id: string;
}

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([c.score, c.id])).toString('base64url');
}

export function decodeCursor(s: string): Cursor {
  // Quoted up to 64 characters, as a pod page's cursor is: the caller sent it.
  const bad = () => new CursorInvalidError(`"${s.length > 64 ? `${s.slice(0, 64)}...` : s}" is not a cursor this server returned`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  if (!Array.isArray(parsed) || parsed.length !== 2) throw bad();
  const [score, id] = parsed as unknown[];
  if (typeof score !== 'number' || !Number.isFinite(score) || typeof id !== 'string' || id === '') throw bad();
  return { score, id };
}

// The cursor of GET /v1/jobs/{id}/pods: the job, the index of the next pod to look at, and the
// status filter it was returned for. Pods keep their index for the life of a job (they are
// recorded once, in order), so paging by index gives every pod exactly once, also while the
// job runs. A cursor is refused for another job or another filter rather than read wrongly.

export interface PodCursor {
  readonly jobId: string;
  readonly index: number;
  readonly status: string | null;
}

export function encodePodCursor(c: PodCursor): string {
  return Buffer.from(JSON.stringify(['pods', c.jobId, c.index, c.status ?? ''])).toString('base64url');
}

/** The index a cursor resumes at; CursorInvalidError when it is not one this server returned for this job and filter. */
export function decodePodCursor(s: string, expect: { readonly jobId: string; readonly status: string | null }): number {
  const bad = (why: string) => new CursorInvalidError(`"${s.length > 64 ? `${s.slice(0, 64)}...` : s}" ${why}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));
  } catch {
    throw bad('is not a cursor this server returned');
  }
  if (!Array.isArray(parsed) || parsed.length !== 4 || parsed[0] !== 'pods') throw bad('is not a cursor this server returned');
  const [, jobId, index, status] = parsed as unknown[];
  if (typeof jobId !== 'string' || typeof status !== 'string' || typeof index !== 'number' || !Number.isSafeInteger(index) || index < 0) {
    throw bad('is not a cursor this server returned');
  }
  if (jobId !== expect.jobId) throw bad('is a cursor of another job');
  if (status !== (expect.status ?? '')) {
    throw bad(`was returned ${status === '' ? 'without a status filter' : `for status=${status}`}: ask with the same filter, or start again without a cursor`);
  }
  return index;
}
