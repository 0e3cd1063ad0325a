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
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));
  } catch {
    throw new CursorInvalidError(`"${s}" is not a cursor this server returned`);
  }
  if (!Array.isArray(parsed) || parsed.length !== 2) throw new CursorInvalidError(`"${s}" is not a cursor this server returned`);
  const [score, id] = parsed as unknown[];
  if (typeof score !== 'number' || !Number.isFinite(score) || typeof id !== 'string' || id === '') {
    throw new CursorInvalidError(`"${s}" is not a cursor this server returned`);
  }
  return { score, id };
}
