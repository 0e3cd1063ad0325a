// One exec over WebSocket, as the kubelet's streaming server speaks it (channel.k8s.io
// v4/v5): frames are one channel byte then data; 0 stdin, 1 stdout, 2 stderr, 3 status
// (a v1 Status as JSON), 4 resize; 255 is v5's close signal, which only the client sends
// (client-node 2.0.1 throws "Unknown stream: 255" on it). Output first, then the status
// frame, then a normal close (1000).

import type { WebSocket } from 'ws';
import type { ExecHandler, ExecResult, JsonObject, SimLogger } from '../types.ts';
import type { ExecRunner } from './confine.ts';
import { ContainerProcess, type ProcessEnd } from './process.ts';

export interface ExecTarget {
  namespace: string;
  pod: string;
  podUid: string;
  container: string;
  command: string[];
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

export interface SessionDeps {
  handler: ExecHandler | undefined;
  /** Fault injection: never answer, or answer without the status frame. */
  fault: 'hang' | 'no-status' | null;
  workdir: () => string;
  pingIntervalMs: number;
  /** How a command's process runs (confine.ts). */
  runner: ExecRunner;
  logger: SimLogger | undefined;
  onEnd: (session: ExecSession) => void;
}

const STDIN = 0;
const STDOUT = 1;
const STDERR = 2;
const STATUS = 3;
const CLOSE = 255;
/** Output is paused while this much is queued on the socket and not yet written. */
const HIGH_WATER = 1024 * 1024;

export function successStatus(): JsonObject {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success' };
}

/** What the kubelet sends for a command that exited non-zero (remotecommand's writeStatus). */
export function exitStatus(command: string[], exitCode: number): JsonObject {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${exitCode}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] },
  };
}

function errorStatus(message: string): JsonObject {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: 'InternalError', code: 500 };
}

export class ExecSession {
  readonly target: ExecTarget;
  private readonly ws: WebSocket;
  private readonly deps: SessionDeps;
  private process: ContainerProcess | null = null;
  private queued = 0;
  private finished = false;
  private readonly ping: NodeJS.Timeout;

  constructor(ws: WebSocket, target: ExecTarget, deps: SessionDeps) {
    this.ws = ws;
    this.target = target;
    this.deps = deps;
    this.ping = setInterval(() => {
      if (ws.readyState === ws.OPEN) ws.ping();
    }, deps.pingIntervalMs);
    ws.on('message', (data: Buffer, isBinary: boolean) => this.onMessage(isBinary ? data : Buffer.from(data)));
    ws.on('close', () => this.onClientGone());
    ws.on('error', () => this.onClientGone());
  }

  get scripted(): boolean {
    return this.deps.handler !== undefined;
  }

  start(): void {
    if (this.deps.fault === 'hang') return;
    if (this.deps.handler) void this.runScript(this.deps.handler);
    else this.runProcess();
  }

  /** The pod is being deleted: its processes die, as its containers do. */
  podTerminated(): void {
    if (this.process) this.process.kill();
    else this.finish(exitStatus(this.target.command, 137));
  }

  /** The sim is stopping: kill the process, drop the socket; resolves once the process is gone. */
  async terminate(): Promise<void> {
    const proc = this.process;
    proc?.kill();
    this.end();
    this.ws.terminate();
    if (proc) await proc.ended;
  }

  private async runScript(handler: ExecHandler): Promise<void> {
    const { namespace, pod, container, command } = this.target;
    let result: ExecResult;
    try {
      result = await handler({ namespace, pod, container, command: [...command] });
    } catch (err) {
      this.finish(errorStatus(`Internal error occurred: scripted exec handler failed: ${err instanceof Error ? err.message : String(err)}`));
      return;
    }
    if (result.delayMs && result.delayMs > 0) await new Promise((r) => setTimeout(r, result.delayMs));
    if (this.finished || result.hang) return;
    const { stdout, stderr, tty } = this.target;
    if (result.stdout && stdout) this.send(STDOUT, Buffer.from(result.stdout));
    // With a TTY there is one output stream, as with a terminal.
    if (result.stderr && (stderr || tty)) this.send(tty ? STDOUT : STDERR, Buffer.from(result.stderr));
    if (result.noStatus) this.finish(null);
    else this.finish(result.exitCode === 0 ? successStatus() : exitStatus(command, result.exitCode));
  }

  private runProcess(): void {
    const { command, pod, tty } = this.target;
    let cwd: string;
    try {
      cwd = this.deps.workdir();
    } catch (err) {
      this.finish(errorStatus(`Internal error occurred: cannot prepare the container folder: ${err instanceof Error ? err.message : String(err)}`));
      return;
    }
    const proc = new ContainerProcess(command, cwd, pod, this.target.stdin, {
      stdout: (c) => (this.target.stdout ? this.send(STDOUT, c) : true),
      stderr: (c) => (this.target.stderr || tty ? this.send(tty ? STDOUT : STDERR, c) : true),
    }, this.deps.runner);
    this.process = proc;
    void proc.ended.then((end: ProcessEnd) => {
      if (end.kind === 'failed') this.finish(errorStatus(end.message));
      else this.finish(end.exitCode === 0 ? successStatus() : exitStatus(command, end.exitCode));
    });
  }

  /** Sends one frame; false when the socket's queue is past the high-water mark. */
  private send(channel: number, data: Buffer): boolean {
    if (this.ws.readyState !== this.ws.OPEN || data.length === 0) return true;
    const frame = Buffer.allocUnsafe(data.length + 1);
    frame[0] = channel;
    data.copy(frame, 1);
    this.queued += frame.length;
    this.ws.send(frame, { binary: true }, () => {
      this.queued -= frame.length;
      if (this.queued < HIGH_WATER / 4) this.process?.resume();
    });
    return this.queued < HIGH_WATER;
  }

  private finish(status: JsonObject | null): void {
    if (this.finished) return;
    if (this.deps.fault === 'no-status') status = null;
    if (status) this.send(STATUS, Buffer.from(JSON.stringify(status)));
    this.end();
    if (this.ws.readyState === this.ws.OPEN) this.ws.close(1000);
  }

  private end(): void {
    if (this.finished) return;
    this.finished = true;
    clearInterval(this.ping);
    this.deps.onEnd(this);
  }

  private onMessage(frame: Buffer): void {
    if (frame.length === 0) return;
    const channel = frame[0];
    if (channel === STDIN) this.process?.writeStdin(frame.subarray(1));
    else if (channel === CLOSE && frame[1] === STDIN) this.process?.endStdin();
    // Channel 4 (resize) needs no answer: there is no terminal to resize.
  }

  /**
   * The client left. As on a cluster, the command is not killed (client-node #2532): it
   * runs on until it ends or the pod is deleted; it only loses its input.
   */
  private onClientGone(): void {
    this.process?.endStdin();
    if (this.process?.running) {
      clearInterval(this.ping);
      void this.process.ended.then(() => this.end());
      return;
    }
    this.end();
  }
}
