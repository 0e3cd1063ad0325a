// What git and docker leave out: the files `npm start`, `npm run sim`, the benchmarks and the
// chaos suite write in the working folder never reach a commit, and the image's build
// context holds only what the Dockerfile copies (no kubeconfig, token, data or .git).

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';

const ROOT = join(import.meta.dirname, '..');
const run = promisify(execFile);

async function ignoredByGit(paths: readonly string[]): Promise<Set<string>> {
  // --no-index: the rules alone, whether or not a file exists or is tracked.
  // Exit 1 means none is ignored; anything else is git failing (the test must say so).
  const r = await run('git', ['check-ignore', '--no-index', ...paths], { cwd: ROOT }).catch((err: { code?: number; stdout?: string }) => {
    if (err.code === 1) return { stdout: '' };
    throw err;
  });
  return new Set(r.stdout.split('\n').filter((l) => l !== ''));
}

test('.gitignore: local state, builds and run scratch are ignored; sources and the latest reports are not', async () => {
  const ignored = ['.hookd-data/spec.key', '.hookd-data/appendonly.aof', 'hookd-sim.kubeconfig', 'other.kubeconfig', 'dist/main.js', 'packages/kube-sim/node_modules/ws/index.js', 'bench/results/reviews.json', 'chaos/results/run-2.json', 'hookd.log', '.env', 'CPU.20261204.cpuprofile'];
  const kept = ['src/main.ts', 'README.md', 'bench/results/latest.json', 'bench/results/latest.md', 'chaos/results/latest.json', 'chaos/results/latest.md', 'openapi/openapi.json', 'tools/kubectl.ts'];
  const got = await ignoredByGit([...ignored, ...kept]);
  assert.deepEqual(ignored.filter((p) => !got.has(p)), [], 'not ignored');
  assert.deepEqual(kept.filter((p) => got.has(p)), [], 'ignored by mistake');
});

test('.dockerignore: the build context is exactly what the Dockerfile copies', () => {
  const rules = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  // An allowlist: everything out, then the few names the image needs back in.
  assert.equal(rules[0], '*');
  const allowed = new Set(rules.slice(1).map((r) => {
    assert.ok(r.startsWith('!'), `only re-inclusions after '*': ${r}`);
    return r.slice(1);
  }));
  const copied = readFileSync(join(ROOT, 'Dockerfile'), 'utf8')
    .split('\n')
    .filter((l) => /^COPY\s/.test(l) && !l.includes('--from='))
    .flatMap((l) => l.trim().split(/\s+/).slice(1, -1));
  assert.ok(copied.length >= 4, `COPY sources: ${copied.join(' ')}`);
  assert.deepEqual([...new Set(copied)].sort(), [...allowed].sort(), 'the context holds what COPY takes, and nothing more');
  for (const secret of ['hookd-sim.kubeconfig', '.hookd-data', '.git', 'node_modules', '.env']) assert.ok(!allowed.has(secret), secret);
});
