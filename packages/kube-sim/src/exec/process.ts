// An exec's command as a real local process: argv as given (a shell only when the command
// names one), working directory the container's folder, HOSTNAME the pod's name. It runs
// in its own process group so deleting the pod kills whatever it started too.

import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import type { Readable } from 'node:stream';
import { reaper } from './reaper.ts';

export type ProcessEnd = { kind: 'exited'; exitCode: number } | { kind: 'failed'; message: string };

export interface ProcessIO {
  /** Returns false when the consumer is full: the stream is paused until `resume`. */
  stdout(chunk: Buffer): boolean;
  stderr(chunk: Buffer): boolean;
}

export class ContainerProcess {
  private readonly child: ChildProcess;
  readonly ended: Promise<ProcessEnd>;
  private exited = false;

  constructor(command: string[], cwd: string, podName: string, withStdin: boolean, io: ProcessIO) {
    const [file = '', ...args] = command;
    this.child = spawn(file, args, {
      cwd,
      env: { PATH: process.env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin', HOSTNAME: podName },
      stdio: [withStdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
      detached: true,
      shell: false,
      windowsHide: true,
    });
    const pid = this.child.pid;
    if (pid !== undefined) reaper.trackGroup(pid);
    this.ended = new Promise<ProcessEnd>((resolve) => {
      this.child.once('error', (err: NodeJS.ErrnoException) => {
        this.exited = true;
        if (pid !== undefined) reaper.untrackGroup(pid);
        resolve({ kind: 'failed', message: spawnFailure(file, err) });
      });
      // 'close' comes after the output streams ended, so every byte is sent before the status.
      this.child.once('close', (code, signal) => {
        this.exited = true;
        if (pid !== undefined) reaper.untrackGroup(pid);
        const bySignal = signal ? 128 + (constants.signals[signal] ?? 9) : 1;
        resolve({ kind: 'exited', exitCode: code ?? bySignal });
      });
    });
    this.child.stdin?.on('error', () => {
      // The process may exit without reading its input; EPIPE is not the exec's failure.
    });
    this.pipe(this.child.stdout, (c) => io.stdout(c));
    this.pipe(this.child.stderr, (c) => io.stderr(c));
  }

  private readonly paused: Readable[] = [];

  private pipe(stream: Readable | null, write: (chunk: Buffer) => boolean): void {
    stream?.on('data', (chunk: Buffer) => {
      if (!write(chunk)) {
        stream.pause();
        this.paused.push(stream);
      }
    });
  }

  /** The consumer drained: let the output flow again. */
  resume(): void {
    for (const s of this.paused.splice(0)) s.resume();
  }

  writeStdin(chunk: Buffer): void {
    if (this.child.stdin && !this.child.stdin.destroyed) this.child.stdin.write(chunk);
  }

  endStdin(): void {
    if (this.child.stdin && !this.child.stdin.destroyed) this.child.stdin.end();
  }

  get running(): boolean {
    return !this.exited;
  }

  /** Kills the whole process group (the command and anything it started). */
  kill(): void {
    if (this.exited || this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, 'SIGKILL');
    } catch {
      this.child.kill('SIGKILL');
    }
  }
}

/** The message a containerd runtime gives when a command cannot start. */
function spawnFailure(file: string, err: NodeJS.ErrnoException): string {
  const why =
    err.code === 'ENOENT'
      ? `exec: "${file}": executable file not found in $PATH`
      : err.code === 'EACCES'
        ? `exec: "${file}": permission denied`
        : `exec: "${file}": ${err.message}`;
  return `Internal error occurred: error executing command in container: failed to exec in container: OCI runtime exec failed: exec failed: unable to start container process: ${why}: unknown`;
}
