// An exec's command as a real local process: argv as given (a shell only when the command
// names one), working directory the container's folder, HOSTNAME the pod's name. It runs
// in its own process group so deleting the pod kills whatever it started too. Confined
// (confine.ts), the same command runs inside bwrap, started in the same folder.

import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { constants } from 'node:os';
import type { Readable } from 'node:stream';
import { bwrapArgs, CONFINED_PATH, confinedProgramExists, type ExecRunner } from './confine.ts';
import { reaper } from './reaper.ts';

export type ProcessEnd = { kind: 'exited'; exitCode: number } | { kind: 'failed'; message: string };

export interface ProcessIO {
  /** Returns false when the consumer is full: the stream is paused until `resume`. */
  stdout(chunk: Buffer): boolean;
  stderr(chunk: Buffer): boolean;
}

export class ContainerProcess {
  /** null when the command never started (its program is not there). */
  private readonly child: ChildProcess | null;
  readonly ended: Promise<ProcessEnd>;
  private exited = false;

  constructor(command: string[], cwd: string, podName: string, withStdin: boolean, io: ProcessIO, runner: ExecRunner = { kind: 'none' }) {
    const [file = '', ...args] = command;
    if (runner.kind === 'bwrap' && !confinedProgramExists(file, cwd)) {
      this.child = null;
      this.exited = true;
      this.ended = Promise.resolve({ kind: 'failed', message: spawnFailure(file, 'ENOENT', '') });
      return;
    }
    const child = (this.child =
      runner.kind === 'bwrap'
        ? spawn(runner.bwrap, bwrapArgs(command, cwd), this.spawnOptions(cwd, CONFINED_PATH, podName, withStdin))
        : spawn(file, args, this.spawnOptions(cwd, process.env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin', podName, withStdin)));
    const pid = child.pid;
    if (pid !== undefined) reaper.trackGroup(pid);
    this.ended = new Promise<ProcessEnd>((resolve) => {
      child.once('error', (err: NodeJS.ErrnoException) => {
        this.exited = true;
        if (pid !== undefined) reaper.untrackGroup(pid);
        resolve({ kind: 'failed', message: spawnFailure(runner.kind === 'bwrap' ? runner.bwrap : file, err.code, err.message) });
      });
      // 'close' comes after the output streams ended, so every byte is sent before the status.
      child.once('close', (code, signal) => {
        this.exited = true;
        if (pid !== undefined) reaper.untrackGroup(pid);
        const bySignal = signal ? 128 + (constants.signals[signal] ?? 9) : 1;
        resolve({ kind: 'exited', exitCode: code ?? bySignal });
      });
    });
    child.stdin?.on('error', () => {
      // The process may exit without reading its input; EPIPE is not the exec's failure.
    });
    this.pipe(child.stdout, (c) => io.stdout(c));
    this.pipe(child.stderr, (c) => io.stderr(c));
  }

  private spawnOptions(cwd: string, path: string, podName: string, withStdin: boolean): SpawnOptions {
    return {
      cwd,
      env: { PATH: path, HOSTNAME: podName },
      stdio: [withStdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
      detached: true,
      shell: false,
      windowsHide: true,
    };
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
    if (this.child?.stdin && !this.child.stdin.destroyed) this.child.stdin.write(chunk);
  }

  endStdin(): void {
    if (this.child?.stdin && !this.child.stdin.destroyed) this.child.stdin.end();
  }

  get running(): boolean {
    return !this.exited;
  }

  /** Kills the whole process group (the command and anything it started). */
  kill(): void {
    const child = this.child;
    if (this.exited || child?.pid === undefined) return;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      child.kill('SIGKILL');
    }
  }
}

/** The message a containerd runtime gives when a command cannot start. */
function spawnFailure(file: string, code: string | undefined, message: string): string {
  const why =
    code === 'ENOENT'
      ? `exec: "${file}": executable file not found in $PATH`
      : code === 'EACCES'
        ? `exec: "${file}": permission denied`
        : `exec: "${file}": ${message}`;
  return `Internal error occurred: error executing command in container: failed to exec in container: OCI runtime exec failed: exec failed: unable to start container process: ${why}: unknown`;
}
