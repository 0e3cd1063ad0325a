// Forks the simulated cluster (bench/sim/child.ts) and gives the benchmark a typed handle on
// it. A process of its own, because the sim serves every watch, GET and exec of the runs:
// in hookd's process or in the baseline's it would take CPU from the code being measured,
// and its timeline (running -> exec arrived) would be delayed by their work.

import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { SimChildOptions, SimOpName, SimOps, SimReady, SimReply, SimRequest } from './protocol.ts';

type Call = <K extends SimOpName>(op: K, ...args: Parameters<SimOps[K]>) => Promise<Awaited<ReturnType<SimOps[K]>>>;

export interface SimProcess {
  readonly url: string;
  readonly kubeconfig: string;
  readonly pid: number;
  readonly call: Call;
  /** Stops the sim and waits for its process to exit (SIGKILL after 10 s). Safe to call twice. */
  stop(): Promise<void>;
}

const CHILD = fileURLToPath(new URL('./child.ts', import.meta.url));

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

export async function startSimProcess(options: SimChildOptions, opts: { execArgv?: string[] } = {}): Promise<SimProcess> {
  const child = fork(CHILD, [JSON.stringify(options)], {
    execArgv: ['--import', 'tsx', ...(opts.execArgv ?? [])],
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (s: string) => (stderr = (stderr + s).slice(-4000)));
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  const gone = exited(child).then(() => {
    const err = new Error(`the simulated cluster exited (code ${child.exitCode ?? child.signalCode}): ${stderr.trim()}`);
    for (const p of pending.values()) p.reject(err);
    pending.clear();
    return err;
  });

  const ready = await new Promise<SimReady>((resolve, reject) => {
    child.on('message', (msg: SimReady | SimReply) => {
      if ('ready' in msg) return resolve(msg);
      const p = pending.get(msg.id);
      if (!p) return;
      pending.delete(msg.id);
      if (msg.ok) p.resolve(msg.result);
      else p.reject(new Error(`sim ${msg.id}: ${msg.error}`));
    });
    gone.then(reject, reject);
  });

  const call: Call = (op, ...args) =>
    new Promise((resolve, reject) => {
      if (!child.connected) return reject(new Error('the simulated cluster is not running'));
      const id = nextId++;
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      const req: SimRequest = { id, op, args: args[0] ?? null };
      child.send(req);
    });

  let stopping: Promise<void> | null = null;
  return {
    url: ready.url,
    kubeconfig: ready.kubeconfig,
    pid: child.pid ?? 0,
    call,
    stop: () => {
      stopping ??= (async () => {
        if (child.connected) child.send({ stop: true });
        const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited(child);
        clearTimeout(kill);
      })();
      return stopping;
    },
  };
}
