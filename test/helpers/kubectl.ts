// The real kubectl (v1.34) for tests, unpacked by tools/kubectl-binary.ts (the same code as
// `npm run kubectl`). Every run gets --kubeconfig and a temporary HOME and --cache-dir, so
// kubectl writes nothing outside them.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kubectlPath } from '../../tools/kubectl-binary.ts';

export { kubectlPath };

export interface KubectlResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface KubectlEnv {
  /** A temporary HOME and cache folder; remove with `dispose`. */
  home: string;
  run(args: string[], opts?: { timeoutMs?: number; input?: string }): Promise<KubectlResult>;
  /** For long-running commands (get -w): the caller reads stdout and kills it. */
  spawn(args: string[]): ChildProcess;
  dispose(): void;
}

export function kubectlEnv(kubeconfigPath: string): KubectlEnv {
  const bin = kubectlPath();
  const home = mkdtempSync(join(tmpdir(), 'hookd-kubectl-'));
  const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home };
  const fullArgs = (args: string[]): string[] => ['--kubeconfig', kubeconfigPath, '--cache-dir', join(home, 'cache'), ...args];
  const spawnIt = (args: string[]): ChildProcess => spawn(bin, fullArgs(args), { env, cwd: home, stdio: ['pipe', 'pipe', 'pipe'] });
  return {
    home,
    spawn: spawnIt,
    run(args, opts = {}) {
      return new Promise((resolve, reject) => {
        const child = spawnIt(args);
        let stdout = '';
        let stderr = '';
        child.stdout?.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
        child.stderr?.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error(`kubectl ${args.join(' ')} timed out; stdout=${stdout} stderr=${stderr}`));
        }, opts.timeoutMs ?? 20_000);
        child.on('error', (err) => {
          clearTimeout(timer);
          reject(err);
        });
        child.on('close', (code) => {
          clearTimeout(timer);
          resolve({ code, stdout, stderr });
        });
        child.stdin?.end(opts.input ?? '');
      });
    },
    dispose() {
      rmSync(home, { recursive: true, force: true });
    },
  };
}
