// Last-resort cleanup when the process exits without stop() (a test runner cancelling a
// file, an uncaught error): exec processes run in process groups of their own, so they
// would outlive us, and their folders would stay in the temporary directory. One 'exit'
// listener for every sim in the process; it can only do synchronous work.

import { rmSync } from 'node:fs';

const groups = new Set<number>();
const folders = new Set<string>();
let installed = false;

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
