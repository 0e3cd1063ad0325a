// The simulated cluster is a devDependency (packages/kube-sim): hookd's build holds none of
// it, a production install (`npm ci --omit=dev --workspaces=false`, as the image does) does
// not have it, and HOOKD_KUBE=sim there stops at once with a message that says why.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, test } from 'node:test';
import { startSimulatedCluster } from '../../src/kube/sim-cluster.ts';
import { ConfigError } from '../../src/config.ts';
import { TEST_REDIS_URL, testPrefix } from '../helpers/redis.ts';
import { runToExit } from '../helpers/run-to-exit.ts';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'hookd-prod-install-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test("hookd's own build compiles no file of the simulated cluster", async () => {
  const tsc = join(ROOT, 'node_modules', '.bin', 'tsc');
  const { stdout } = await run(tsc, ['-p', join(ROOT, 'tsconfig.json'), '--listFilesOnly'], { cwd: ROOT, maxBuffer: 16 << 20 });
  const own = stdout.split('\n').filter((f) => f !== '' && !f.includes('/node_modules/'));
  assert.ok(own.length > 50, `expected hookd's sources, got ${own.length} files`);
  const outside = own.filter((f) => !f.startsWith(join(ROOT, 'src') + '/'));
  assert.deepEqual(outside, [], 'only src/ is compiled');
});

test('a missing sim package is a configuration error naming HOOKD_KUBE', async () => {
  await assert.rejects(
    startSimulatedCluster({ port: 0, kubeconfigPath: join(dir, 'never'), execConfinement: 'none' }, '@hookd/kube-sim-not-installed'),
    (err: unknown) => err instanceof ConfigError && /HOOKD_KUBE: the simulated cluster .* is not installed here/.test(err.message),
  );
  assert.equal(existsSync(join(dir, 'never')), false);
});

test('a production install has no sim, and HOOKD_KUBE=sim exits 2 saying so', async () => {
  const app = join(dir, 'app');
  for (const f of ['package.json', 'package-lock.json', 'tsconfig.json']) cpSync(join(ROOT, f), join(app, f));
  // The whole workspace is there, as in a clone: --workspaces=false is what keeps the sim out.
  cpSync(join(ROOT, 'packages'), join(app, 'packages'), { recursive: true, filter: (src) => !src.includes('node_modules') });
  await run('npm', ['ci', '--omit=dev', '--workspaces=false', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: app, maxBuffer: 16 << 20, timeout: 180_000 });
  assert.equal(existsSync(join(app, 'node_modules', '@hookd')), false, 'node_modules/@hookd is absent');
  assert.ok(existsSync(join(app, 'node_modules', 'fastify')), 'production dependencies are installed');
  assert.equal(existsSync(join(app, 'node_modules', 'tsx')), false, 'devDependencies are not');

  // Build with the development toolchain into the production tree, as the image's build stage does.
  await run(join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', join(ROOT, 'tsconfig.json'), '--outDir', join(app, 'dist')], { cwd: ROOT });
  // ...and bundles the client library from the production install's own copy of it.
  await run(process.execPath, [join(ROOT, 'tools', 'bundle-client-node.ts'), join(app, 'dist')], { cwd: ROOT });
  assert.ok(!readdirSync(join(app, 'dist')).includes('sim'));

  const { code, output: out } = await runToExit(['dist/main.js'], {
    cwd: app,
    env: { PATH: process.env.PATH ?? '', HOME: dir, HOOKD_KUBE: 'sim', HOOKD_REDIS_EMBEDDED: 'never', REDIS_URL: TEST_REDIS_URL, HOOKD_REDIS_PREFIX: testPrefix(), HOOKD_PORT: '0' },
  });
  assert.equal(code, 2, out);
  assert.match(out, /HOOKD_KUBE: the simulated cluster \(@hookd\/kube-sim\) is not installed here/);
});
