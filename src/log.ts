// One pino root for the process: HTTP (as Fastify's loggerInstance) and workers share its
// format and its redaction. Hook output is never logged (it can hold secrets), and neither
// are bearer tokens or kubeconfig contents.

import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'authorization',
  'token',
  '*.token',
  'kubeconfig',
  '*.kubeconfig',
  'stdout',
  'stderr',
  '*.stdout',
  '*.stderr',
] as const;

export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    base: { service: 'hookd', pid: process.pid },
    redact: { paths: [...REDACT_PATHS], censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
}

/**
 * What stdout may hold unwritten (a reader that stops reading, e.g. a stuck log collector):
 * past it, lines are dropped rather than kept in a worker's bounded heap.
 */
export const MAX_UNWRITTEN_LOG_BYTES = 8 * 1024 * 1024;

/**
 * JSON lines on stdout, written asynchronously: a synchronous write is a system call on the
 * event loop for every line (a woken pod logs about eight), each waking whoever reads the
 * pipe; written from libuv's thread pool instead, the lines of a burst go out together and
 * the event loop only queues them. What is still unwritten at exit is flushed then (pino
 * registers that); a kill -9 loses at most the lines of the last write in flight.
 * Pretty only when a person is watching a terminal.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const opts = loggerOptions(level);
  if (destination) return pino(opts, destination);
  if (process.stdout.isTTY) {
    return pino({ ...opts, transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l' } } });
  }
  return pino(opts, pino.destination({ dest: process.stdout.fd, sync: false, maxLength: MAX_UNWRITTEN_LOG_BYTES }));
}
