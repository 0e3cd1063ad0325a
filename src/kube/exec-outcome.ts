// What an exec's answers mean for the hook, without I/O: the Status of the command's end,
// a refused upgrade, a server that speaks none of our protocols, a socket gone too early.

import { codeForStatus, type KubeErrorCode } from './errors.ts';
import { EXEC_PROTOCOLS, type ExecStatus } from './exec-frame.ts';
import { RETRYABLE_STATUS } from './retry.ts';

export type Failure = { code: KubeErrorCode; message: string; notStarted?: { retryAfterMs: number | null } };

export const NO_STATUS = "connection closed before the command's exit status arrived; outcome unknown";

export function refused(where: string, ns: string, status: number, apiMessage: string | null, retryAfterMs: number | null): Failure {
  const said = apiMessage !== null ? `: ${apiMessage}` : '';
  // The upgrade is refused before the kubelet is asked: the command never started.
  const notStarted = RETRYABLE_STATUS.has(status) ? { notStarted: { retryAfterMs } } : {};
  const guess: Record<number, string> = {
    400: 'container not found or not running',
    401: "unauthorized: the API server rejected hookd's credentials",
    403: `forbidden: hookd may not create pods/exec in namespace ${ns}`,
    404: 'pod not found',
  };
  return { code: codeForStatus(status), message: `${where}: ${guess[status] ?? 'exec refused'} (HTTP ${status})${said}`, ...notStarted };
}

/**
 * The upgrade succeeded with a subprotocol we did not offer, or none (an API server that
 * speaks none of ours refuses the upgrade instead; this is a proxy or a server that is no
 * API server). Nothing could be read, and trying again would not change it; whether the
 * command started is unknown, so it is not retried.
 */
export function noProtocol(where: string, chosen: string | undefined): Failure {
  const got = chosen === undefined || chosen === '' ? 'no subprotocol' : `subprotocol "${chosen.slice(0, 100)}"`;
  return { code: 'KUBE_ERROR', message: `${where}: the API server accepted the exec with ${got}; hookd speaks ${EXEC_PROTOCOLS.join(' and ')}` };
}

const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Longest Status message kept in an outcome: it is stored with the hook's result and logged. */
export const MAX_STATUS_MESSAGE = 1_024;

const bounded = (m: string): string => (m.length > MAX_STATUS_MESSAGE ? `${m.slice(0, MAX_STATUS_MESSAGE)}… (${m.length - MAX_STATUS_MESSAGE} more characters)` : m);

/**
 * The exit code an ExitCode cause carries: the kubelet writes it as a decimal integer
 * (an int; on Windows an NTSTATUS, negative as an int32 or above 2^31 as a uint32). Anything else (empty, null, hex, an
 * exponent, padded, out of range) is not an exit code; nor is 0, which would contradict
 * NonZeroExitCode and turn a failed command into a success.
 */
function exitCodeOf(message: unknown): number | null {
  if (typeof message !== 'string' || !/^-?[1-9][0-9]{0,9}$/.test(message)) return null;
  const code = Number(message);
  return code >= -2_147_483_648 && code <= 4_294_967_295 ? code : null;
}

/** Success -> exit 0; NonZeroExitCode with an ExitCode cause -> that code (never 0); any other Failure -> error. */
export function fromStatus(where: string, s: ExecStatus): { exitCode: number } | Failure {
  if (s.status === 'Success') return { exitCode: 0 };
  const causes: unknown = s.details?.causes;
  const cause = Array.isArray(causes) ? (causes as unknown[]).find((c): c is { message?: unknown } => typeof c === 'object' && c !== null && (c as { reason?: unknown }).reason === 'ExitCode') : undefined;
  const exitCode = s.reason === 'NonZeroExitCode' && cause !== undefined ? exitCodeOf(cause.message) : null;
  if (exitCode !== null) return { exitCode };
  return { code: 'KUBE_ERROR', message: `${where}: ${bounded(text(s.message) ?? text(s.reason) ?? 'exec failed without a message')}` };
}
