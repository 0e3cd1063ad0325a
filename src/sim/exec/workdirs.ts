// Per-container working folders under one temporary root: created on a container's first
// exec, kept for the pod's life (a file a hook writes can be read by a later exec),
// removed with the pod and, all at once, when the sim stops.

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export class Workdirs {
  readonly root: string;

  constructor() {
    this.root = mkdtempSync(join(tmpdir(), 'hookd-sim-'));
  }

  /** The pod's uid is part of the path: a re-created pod with the same name starts empty. */
  forContainer(namespace: string, podUid: string, container: string): string {
    const dir = join(this.root, namespace, podUid, container);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    return dir;
  }

  removePod(namespace: string, podUid: string): void {
    rmSync(join(this.root, namespace, podUid), { recursive: true, force: true });
  }

  removeAll(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}
