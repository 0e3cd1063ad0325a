// Last-resort cleanup when the process exits without stop() (a test runner cancelling a
// file, an uncaught error): exec processes run in process groups of their own, so they
// would outlive us, and their folders would stay in the temporary directory. One 'exit'
// listener for every sim in the process; it can only do synchronous work.
//
// A process killed by a signal it does not handle ends without 'exit', so the reaper also
// handles SIGTERM, SIGINT and SIGHUP, but only while it is their sole listener: a process that
// handles the signal itself (hookd's graceful shutdown) keeps its behaviour, and reaches
// 'exit' when it is done. Alone, it ends the process as the signal would have, by the
// shell's convention for a signal's exit code (128 + its number).

import { rmSync } from 'node:fs';
import { constants } from 'node:os';

const groups = new Set<number>();
const folders = new Set<string>();
let installed = false;

const ENDING_SIGNALS: readonly NodeJS.Signals[] = ['SIGHUP', 'SIGINT', 'SIGTERM'];

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', () => {
    for (const pid of groups) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    for (const dir of folders) rmSync(dir, { recursive: true, force: true });
  });
  for (const signal of ENDING_SIGNALS) {
    process.on(signal, () => {
      if (process.listenerCount(signal) === 1) process.exit(128 + constants.signals[signal]);
    });
  }
}

export const reaper = {
  trackGroup(pid: number): void {
    install();
    groups.add(pid);
  },
  untrackGroup(pid: number): void {
    groups.delete(pid);
  },
  trackFolder(dir: string): void {
    install();
    folders.add(dir);
  },
  untrackFolder(dir: string): void {
    folders.delete(dir);
  },
};
