// The frames of a pods/exec WebSocket (channel.k8s.io v4 and v5), read without I/O. Each
// WebSocket message is one whole frame: its first byte is the channel, the rest its data.
// 1 stdout, 2 stderr, 3 the command's end as a JSON metav1.Status. v5 adds 255, the close
// signal; only clients send it today, so from the server it means at most "that stream
// ended" and is ignored, as is any channel we do not know (0 stdin, 4 resize, future ones):
// a frame we need not read is no reason to lose a hook's outcome.
//
// Only v5 and v4 are offered. The older WebSocket protocols carry the exit code as plain
// text, not as a Status (channel.k8s.io), or are SPDY-only names (v2, v3): every API server
// that hookd supports speaks v4, so offering them could only lose the exit code.

export const EXEC_PROTOCOLS: readonly string[] = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];

/**
 * The largest frame read. ws would otherwise hold up to 100 MiB of one message (fragments
 * included) before we see any of it, per exec: a server could make each of the execs under
 * way hold that much, and a status of that size be parsed. API servers write a stream in
 * pieces of at most 32 KiB (one frame per read of the kubelet's stream) and a Status in a
 * few hundred bytes, so 1 MiB is ample; a bigger frame ends the exec as outcome unknown.
 */
export const MAX_FRAME_BYTES = 1024 * 1024;

const STDOUT = 1;
const STDERR = 2;
const STATUS = 3;

/** The part of a metav1.Status the outcome is read from; the rest of it is not looked at. */
export interface ExecStatus {
  readonly status?: unknown;
  readonly reason?: unknown;
  readonly message?: unknown;
  readonly details?: { readonly causes?: unknown } | null;
}

export type ExecFrame =
  | { readonly kind: 'stdout' | 'stderr'; readonly data: Buffer }
  | { readonly kind: 'status'; readonly status: ExecStatus }
  | { readonly kind: 'ignored' }
  | { readonly kind: 'unreadable'; readonly reason: string };

const IGNORED: ExecFrame = { kind: 'ignored' };

export function decodeExecFrame(frame: Buffer): ExecFrame {
  if (frame.length === 0) return IGNORED;
  const channel = frame[0];
  if (channel === STDOUT || channel === STDERR) {
    return frame.length === 1 ? IGNORED : { kind: channel === STDOUT ? 'stdout' : 'stderr', data: frame.subarray(1) };
  }
  if (channel !== STATUS) return IGNORED;
  let status: unknown;
  try {
    status = JSON.parse(frame.toString('utf8', 1));
  } catch (err) {
    return { kind: 'unreadable', reason: `the status is not JSON (${err instanceof Error ? err.message : String(err)})` };
  }
  if (typeof status !== 'object' || status === null || Array.isArray(status)) return { kind: 'unreadable', reason: 'the status is not a JSON object' };
  return { kind: 'status', status: status as ExecStatus };
}
