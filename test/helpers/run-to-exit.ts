// Runs hookd's entry point as its own process until it exits (the tests of what makes it
// refuse to start): its exit code and everything it wrote, stdout and stderr together,
// since a refusal is logged (stdout) and, for a setting, also said on stderr.

import { spawn } from 'node:child_process';
import { once } from 'node:events';

export interface Exited {
  readonly code: number | null;
  readonly output: string;
}

/** `args` after node's own path (e.g. ['--import', 'tsx', 'src/main.ts']); killed after `timeoutMs`. */
export async function runToExit(args: readonly string[], opts: { env: Record<string, string>; cwd?: string; timeoutMs?: number }): Promise<Exited> {
  const child = spawn(process.execPath, [...args], { env: opts.env, ...(opts.cwd !== undefined ? { cwd: opts.cwd } : {}), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (output += c.toString('utf8')));
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, output };
}
