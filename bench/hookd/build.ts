// Compiles hookd for the benchmark into a private folder, so that the processes measured run
// plain JavaScript as in production (no tsx loader in their memory or their start-up), and
// so that a build by the benchmark never overwrites the dist/ other people may be running.
// The folder gets a package.json (ESM, with hookd's name and version) and a link to the project's node_modules.

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleClientNode } from '../../tools/bundle-client-node.ts';

export interface HookdBuild {
  /** dist/main.js of this build. */
  readonly main: string;
  /** tsc's complaints when it emitted anyway (errors in files being edited by others). */
  readonly warnings: string;
}

export async function buildHookd(repoRoot: string, workDir: string): Promise<HookdBuild> {
  mkdirSync(workDir, { recursive: true });
  const outDir = join(workDir, 'dist');
  const tsc = join(repoRoot, 'node_modules', '.bin', 'tsc');
  const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
    const child = spawn(tsc, ['-p', join(repoRoot, 'tsconfig.json'), '--outDir', outDir, '--sourceMap', 'false'], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (out += s));
    child.once('error', reject);
    child.once('close', (c) => resolve({ code: c, output: out }));
  });
  const main = join(outDir, 'main.js');
  if (!existsSync(main)) throw new Error(`building hookd failed (tsc exit ${code}):\n${output.slice(0, 4000)}`);
  // hookd reads its own version from the package.json above dist/ (the OpenAPI document's).
  const { name, version } = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { name: string; version: string };
  writeFileSync(join(workDir, 'package.json'), JSON.stringify({ name, version, type: 'module', private: true }));
  const modules = join(workDir, 'node_modules');
  if (!existsSync(modules)) symlinkSync(join(repoRoot, 'node_modules'), modules, 'dir');
  // As `npm run build` does (resolved through the link above): the processes measured load the trimmed client library production loads.
  await bundleClientNode(outDir);
  return { main, warnings: code === 0 ? '' : output.slice(0, 4000) };
}
