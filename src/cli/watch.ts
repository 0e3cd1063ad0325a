// `run --follow` and `get --watch`: a line on standard error for each hook change and, on a
// terminal, a progress line redrawn in place under them (each second, and on each change);
// elsewhere (a pipe, a CI log) only the plain lines. Then the whole job, read once it ended.

import type { JobView } from '../domain/views.ts';
import type { HookdClient } from './client.ts';
import { followJob } from './follow.ts';
import { applyHookEvent, emptyProgress, hookLine, progressLine, type Progress } from './progress.ts';

export interface WatchIo {
  readonly err: (s: string) => void;
  /** Standard error is a terminal: the progress line is redrawn in place. */
  readonly errIsTTY: boolean;
  readonly now: () => number;
  readonly signal?: AbortSignal;
}

const CLEAR_LINE = '\r\x1b[2K';
const SUMMARY_EVERY_MS = 1000;

/** Follows the job to its end and returns its final view. */
export async function watchJob(client: HookdClient, id: string, io: WatchIo): Promise<JobView> {
  // Also answers 404 for an unknown job before a stream is opened.
  const first = await client.jobSummary(id);
  const started = io.now();
  let progress: Progress = emptyProgress;
  let status: string = first.status;
  let total: number | null = first.summary.hooksTotal;
  let shown = false;
  let lastSummaryAt = io.now();
  let refreshing = false;

  const draw = (): void => {
    if (!io.errIsTTY) return;
    io.err(`${CLEAR_LINE}${progressLine(progress, { id, status, total }, io.now() - started)}`);
    shown = true;
  };
  const clear = (): void => {
    if (shown) io.err(CLEAR_LINE);
    shown = false;
  };
  // A selector's pods are listed when the job starts, so its hook count grows: the summary
  // is read again, at most once a second, while events come in.
  const refresh = (): void => {
    if (!io.errIsTTY || refreshing || io.now() - lastSummaryAt < SUMMARY_EVERY_MS) return;
    refreshing = true;
    lastSummaryAt = io.now();
    client
      .jobSummary(id)
      .then((s) => {
        status = s.status;
        total = s.summary.hooksTotal;
        draw();
      })
      .catch(() => undefined)
      .finally(() => (refreshing = false));
  };

  const ticker = io.errIsTTY ? setInterval(draw, 1000) : null;
  ticker?.unref();
  draw();
  try {
    const done = await followJob(client, id, {
      ...(io.signal ? { signal: io.signal } : {}),
      onHook: (e) => {
        const r = applyHookEvent(progress, e);
        progress = r.progress;
        if (status === 'queued') status = 'running';
        // `pending` is every hook's first state: only what happens to it is worth a line.
        if (!r.changed || e.phase === 'pending') return;
        clear();
        io.err(`${hookLine(e)}\n`);
        draw();
        refresh();
      },
    });
    if (done !== null) status = done.status;
  } finally {
    if (ticker !== null) clearInterval(ticker);
    clear();
  }
  return client.job(id);
}
