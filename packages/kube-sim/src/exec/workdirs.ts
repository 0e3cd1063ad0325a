// Per-container working folders under one temporary root: created on a container's first
// exec, kept for the pod's life (a file a hook writes can be read by a later exec),
// removed with the pod and, all at once, when the sim stops.

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reaper } from './reaper.ts';

export class Workdirs {
  /** Created on the first exec: a sim that never runs a command leaves nothing behind. */
  private rootDir: string | null = null;

  private get root(): string {
    if (this.rootDir === null) {
      this.rootDir = mkdtempSync(join(tmpdir(), 'hookd-sim-'));
      reaper.trackFolder(this.rootDir);
    }
    return this.rootDir;
  }

  /** The pod's uid is part of the path: a re-created pod with the same name starts empty. */
  forContainer(namespace: string, podUid: string, container: string): string {
    const dir = join(this.root, namespace, podUid, container);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    return dir;
  }

  removePod(namespace: string, podUid: string): void {
    if (this.rootDir !== null) rmSync(join(this.rootDir, namespace, podUid), { recursive: true, force: true });
  }

  removeAll(): void {
    if (this.rootDir === null) return;
    rmSync(this.rootDir, { recursive: true, force: true });
    reaper.untrackFolder(this.rootDir);
    this.rootDir = null;
  }
}
