// One pino root for the process: HTTP (as Fastify's loggerInstance) and workers share its
// format and its redaction. Hook output is never logged (it can hold secrets), and neither
// are bearer tokens or kubeconfig contents.

import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

/** Keys never logged: at the top level of a line, or one level down in any of its objects. */
export const SECRET_KEYS: ReadonlySet<string> = new Set(['token', 'kubeconfig', 'stdout', 'stderr']);

/** The redaction pino does itself: fixed paths, so only a line that has their first key pays for them. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'authorization',
  ...SECRET_KEYS,
] as const;

const CENSOR = '[redacted]';

/**
 * A copy that keeps the prototype and every own property, accessors read on the original
 * (an Error's stack is one: on the copy its getter would answer an empty string).
 */
function copyOf(value: object): Record<string, unknown> {
  const copy = Object.create(Object.getPrototypeOf(value) as object | null) as Record<string, unknown>;
  for (const [key, d] of Object.entries(Object.getOwnPropertyDescriptors(value))) {
    const read: unknown = d.get !== undefined ? Reflect.get(value, key) : d.value;
    Object.defineProperty(copy, key, { value: read, enumerable: d.enumerable === true, writable: true, configurable: true });
  }
  return copy;
}

/**
 * The secret keys one level down (`*.token` and the like), done here rather than as pino
 * wildcard paths: pino runs a wildcard path's redactor on every field of every line, strings
 * and numbers too, parsing each path again each time (a tenth of a worker's allocations per
 * hook). This looks at object fields only, and copies a line only when it censors something;
 * the caller's objects are never changed.
 */
export function censorNested(line: Record<string, unknown>): Record<string, unknown> {
  let out: Record<string, unknown> | null = null;
  for (const key in line) {
    const value = line[key];
    if (typeof value !== 'object' || value === null || Array.isArray(value)) continue;
    let copy: Record<string, unknown> | null = null;
    for (const secret of SECRET_KEYS) {
      if (!Object.prototype.hasOwnProperty.call(value, secret)) continue;
      copy ??= copyOf(value);
      Object.defineProperty(copy, secret, { value: CENSOR, enumerable: true, writable: true, configurable: true });
    }
    if (copy === null) continue;
    out ??= { ...line };
    out[key] = copy;
  }
  return out ?? line;
}

export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    base: { service: 'hookd', pid: process.pid },
    redact: { paths: [...REDACT_PATHS], censor: CENSOR },
    formatters: { log: censorNested },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
}

/** JSON lines on stdout; pretty only when a person is watching a terminal. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const opts = loggerOptions(level);
  if (destination) return pino(opts, destination);
  if (process.stdout.isTTY) {
    return pino({ ...opts, transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l' } } });
  }
  return pino(opts);
}
