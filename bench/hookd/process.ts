// Starts one hookd process (role api or worker) from the benchmark's build, configured
// through the environment as an operator would, with its log (JSON lines) kept in a file
// for later reading. Each role is a process of its own so its memory is measured alone.

import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { sampleRss, type RssSampler } from '../rss.ts';

export interface HookdProcessOptions {
  readonly main: string;
  readonly role: 'api' | 'worker';
  readonly prefix: string;
  readonly redisUrl: string;
  readonly kubeconfigPath: string;
  readonly logFile: string;
  /** Further HOOKD_* settings (concurrency, limits). */
  readonly env?: Readonly<Record<string, string>>;
  /** Extra node flags, e.g. --cpu-prof. */
  readonly execArgv?: readonly string[];
  readonly startTimeoutMs?: number;
}

export interface HookdProcess {
  readonly role: 'api' | 'worker';
  readonly pid: number;
  /** The API's base URL (api role), else null. */
  readonly url: string | null;
  readonly rss: RssSampler;
  /** Rejects if the process exits before stop() was called. */
  readonly crashed: Promise<never>;
  /** SIGTERM (graceful), SIGKILL after `graceMs`. Safe to call twice. */
  stop(graceMs?: number): Promise<void>;
}

const READY: Record<HookdProcessOptions['role'], string> = { api: 'hookd API listening', worker: 'workers started' };

/**
 * The parent's environment without any hookd, kube, node or malloc setting that would change
 * what is measured: the workers' malloc settings are the bench's own options, so an inherited
 * MALLOC_ARENA_MAX or GLIBC_TUNABLES must not stand in for "glibc's default".
 */
function cleanEnv(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || k.startsWith('HOOKD_') || k === 'KUBECONFIG' || k === 'REDIS_URL' || k.startsWith('NODE_') || k.startsWith('MALLOC_') || k === 'GLIBC_TUNABLES') continue;
    out[k] = v;
  }
  return out;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

export async function startHookdProcess(o: HookdProcessOptions): Promise<HookdProcess> {
  const child = spawn(process.execPath, [...(o.execArgv ?? []), o.main], {
    env: {
      ...cleanEnv(),
      REDIS_URL: o.redisUrl,
      HOOKD_REDIS_EMBEDDED: 'never',
      HOOKD_REDIS_PREFIX: o.prefix,
      HOOKD_ROLE: o.role,
      HOOKD_KUBE: 'kubeconfig',
      KUBECONFIG: o.kubeconfigPath,
      HOOKD_PORT: '0',
      HOOKD_LOG_LEVEL: 'info',
      HOOKD_SHUTDOWN_TIMEOUT: '10s',
      // The harness polls from one address far faster than a client should.
      HOOKD_RATE_LIMIT: '0',
      ...o.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = createWriteStream(o.logFile);
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  let tail = '';
  child.stderr?.setEncoding('utf8').on('data', (s: string) => (tail = (tail + s).slice(-3000)));
  let stopping = false;
  const done = exited(child).then(() => new Promise<void>((resolve) => log.end(resolve)));
  const crashed = done.then(() => {
    throw new Error(`hookd ${o.role} (pid ${child.pid}) exited with ${child.exitCode ?? child.signalCode}${stopping ? ' while stopping' : ''}; log: ${o.logFile}\n${tail}`);
  });
  crashed.catch(() => undefined); // observed by whoever awaits it; never an unhandled rejection

  const url = await new Promise<string | null>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`hookd ${o.role} did not start within ${o.startTimeoutMs ?? 30_000} ms; log: ${o.logFile}\n${tail}`)), o.startTimeoutMs ?? 30_000);
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      let rec: { msg?: unknown; url?: unknown };
      try {
        rec = JSON.parse(line) as { msg?: unknown; url?: unknown };
      } catch {
        return;
      }
      if (rec.msg !== READY[o.role]) return;
      clearTimeout(timer);
      lines.close();
      resolve(typeof rec.url === 'string' ? rec.url : null);
    });
    crashed.catch((err: unknown) => {
      clearTimeout(timer);
      reject(err instanceof Error ? err : new Error(String(err)));
    });
  }).catch(async (err: unknown) => {
    child.kill('SIGKILL');
    await done;
    throw err;
  });
  // The line reader is closed; the log file still gets everything through the pipe.
  child.stdout?.resume();
  const rss = sampleRss(child.pid ?? 0);
  let stopped: Promise<void> | null = null;
  return {
    role: o.role,
    pid: child.pid ?? 0,
    url,
    rss,
    crashed,
    stop: (graceMs = 15_000) => {
      stopped ??= (async () => {
        stopping = true;
        rss.stop();
        child.kill('SIGTERM');
        const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await done;
        clearTimeout(kill);
      })();
      return stopped;
    },
  };
}
