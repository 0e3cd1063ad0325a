// The kubectl-hookd plugin as users get it: `npm run build` in a copy of the project (the
// package's own build script, so the bin's mode and shebang are what ships), then run as
// an executable on a PATH whose `node` is the project's Node 24, without tsx.

import { execFile, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '..', '..');

export interface PluginResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface BuiltPlugin {
  /** The executable, at the path package.json's "bin" names, inside the built copy. */
  readonly bin: string;
  /** A folder holding only `kubectl-hookd` (a symlink to `bin`), to put on a PATH. */
  readonly pluginDir: string;
  /** PATH with the project's Node first: what a user with Node 24 installed has. */
  readonly path: string;
  run(args: readonly string[], env?: Record<string, string>, opts?: { input?: string; timeoutMs?: number }): Promise<PluginResult>;
  dispose(): void;
}

export function spawnCollect(file: string, args: readonly string[], env: Record<string, string>, opts: { input?: string; timeoutMs?: number; cwd?: string } = {}): Promise<PluginResult> {
  return new Promise((done, reject) => {
    const child = spawn(file, [...args], { env, cwd: opts.cwd ?? tmpdir(), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${file} ${args.join(' ')} timed out\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, opts.timeoutMs ?? 30_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}

/**
 * A copy of the project (its package.json, tsconfig.json, src and the build's own tools) built
 * by `npm run build` in `dir`/app, with the project's node_modules linked in.
 */
export async function buildApp(prefix: string): Promise<{ dir: string; app: string }> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const app = join(dir, 'app');
  mkdirSync(app);
  for (const f of ['package.json', 'tsconfig.json', 'tools/bundle-client-node.ts']) cpSync(join(ROOT, f), join(app, f));
  cpSync(join(ROOT, 'src'), join(app, 'src'), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(app, 'node_modules'));
  await run('npm', ['run', '--silent', 'build'], { cwd: app, maxBuffer: 16 << 20, timeout: 180_000 });
  return { dir, app };
}

export async function buildPlugin(): Promise<BuiltPlugin> {
  const { dir, app } = await buildApp('hookd-plugin-');
  const pkg = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8')) as { bin: Record<string, string> };
  const binPath = pkg.bin['kubectl-hookd'];
  if (binPath === undefined) throw new Error('package.json has no kubectl-hookd bin');
  const bin = join(app, binPath);
  const pluginDir = join(dir, 'plugins');
  mkdirSync(pluginDir);
  symlinkSync(bin, join(pluginDir, 'kubectl-hookd'));
  const home = join(dir, 'home');
  mkdirSync(home);
  const path = [dirname(process.execPath), '/usr/bin', '/bin'].join(':');
  return {
    bin,
    pluginDir,
    path,
    run: (args, env = {}, opts = {}) => spawnCollect(bin, args, { PATH: path, HOME: home, ...env }, opts),
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}
