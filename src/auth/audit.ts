// The audit stream: one JSON line per submission, cancellation, refusal
// and exec, saying who, from where, which job, which pod and container, and the whole
// command. Never output, never a token. HOOKD_AUDIT_LOG names a file (appended to; written
// asynchronously through pino's SonicBoom so a slow disk never blocks a request, and
// flushed synchronously when hookd stops, so no line is lost); without it, lines go to
// standard error as a pino logger of their own, marked `"audit": true`.

import pino, { type Logger } from 'pino';

export const AuditEvents = ['job.submitted', 'job.cancelled', 'access.denied', 'hook.exec.started', 'hook.exec.ended'] as const;
export type AuditEvent = (typeof AuditEvents)[number];

export interface AuditRecord {
  readonly event: AuditEvent;
  readonly user: string;
  readonly groups: readonly string[];
  readonly sourceIP: string | null;
  readonly jobId?: string | null;
  readonly namespace?: string | null;
  readonly pod?: string | null;
  readonly container?: string | null;
  readonly command?: readonly string[] | null;
  readonly phase?: string | null;
  readonly exitCode?: number | null;
  /** What was refused, or what a submission asked for (pods, selector, hooks). */
  readonly reason?: string | null;
  readonly request?: unknown;
}

export interface AuditLog {
  write(r: AuditRecord): void;
  /** Flushes what is buffered; safe to call twice. */
  close(): Promise<void>;
}

export function createAuditLog(path: string | null): AuditLog {
  const dest = path === null ? pino.destination({ dest: 2, sync: false }) : pino.destination({ dest: path, sync: false, mkdir: true, append: true });
  const logger: Logger = pino(
    {
      base: null,
      messageKey: 'msg',
      timestamp: pino.stdTimeFunctions.isoTime,
      // The level's place carries the audit mark: an empty object there wrote '{,' (not JSON).
      formatters: { level: () => ({ audit: true }) },
    },
    dest,
  );
  let closed = false;
  return {
    write(r) {
      if (closed) return;
      logger.info(r, 'audit');
    },
    async close() {
      if (closed) return;
      closed = true;
      // SonicBoom opens the file asynchronously: a flush before it is ready throws.
      await new Promise<void>((resolve) => {
        const done = (): void => {
          try {
            dest.flushSync();
          } catch {
            // nothing was written, or the descriptor is gone: nothing to flush
          }
          resolve();
        };
        if ((dest as unknown as { fd: number }).fd >= 0) done();
        else dest.once('ready', done);
      });
      if (path !== null) dest.end();
    },
  };
}

/** An audit log that keeps nothing (tests that do not look at it). */
export const noAudit: AuditLog = { write() {}, close: async () => undefined };
