// Peak resident memory of a process, from Linux's /proc/<pid>/status: VmHWM is the kernel's
// own high-water mark (nothing between two samples is missed); VmRSS is sampled as well, so
// a reading survives a process that already exited and so the figure can be cut to a phase.

import { readFileSync } from 'node:fs';

export interface RssSample {
  readonly rssBytes: number;
  readonly hwmBytes: number;
}

function kbField(status: string, field: string): number | null {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status);
  return m?.[1] === undefined ? null : Number(m[1]) * 1024;
}

export function readRss(pid: number): RssSample | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rss = kbField(status, 'VmRSS');
    const hwm = kbField(status, 'VmHWM');
    return rss === null || hwm === null ? null : { rssBytes: rss, hwmBytes: hwm };
  } catch {
    return null; // gone, or not Linux
  }
}

export interface RssSampler {
  /** The highest of VmHWM and every VmRSS seen so far, in bytes (0 if never read). */
  peakBytes(): number;
  /** The highest VmRSS sampled since the last `mark()` (a phase's own peak). */
  peakSinceMarkBytes(): number;
  mark(): void;
  stop(): void;
}

export function sampleRss(pid: number, everyMs = 100): RssSampler {
  let peak = 0;
  let sinceMark = 0;
  const read = (): void => {
    const s = readRss(pid);
    if (!s) return;
    peak = Math.max(peak, s.hwmBytes, s.rssBytes);
    sinceMark = Math.max(sinceMark, s.rssBytes);
  };
  read();
  const timer = setInterval(read, everyMs);
  timer.unref();
  return {
    peakBytes: () => {
      read();
      return peak;
    },
    peakSinceMarkBytes: () => {
      read();
      return sinceMark;
    },
    mark: () => {
      sinceMark = 0;
      read();
    },
    stop: () => {
      read();
      clearInterval(timer);
    },
  };
}

export const MiB = 1024 * 1024;
