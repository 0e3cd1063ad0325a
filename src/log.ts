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

/** JSON lines on stdout; pretty only when a person is watching a terminal. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const opts = loggerOptions(level);
  if (destination) return pino(opts, destination);
  if (process.stdout.isTTY) {
    return pino({ ...opts, transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l' } } });
  }
  return pino(opts);
}
