// The README's "Walkthrough with kubectl hookd", run as written with bash against hookd on a
// simulated cluster seeded with the demo: `kubectl` is the bundled one and `kubectl-hookd`
// the plugin `npm run build` makes, both on the PATH, so every step goes through kubectl's
// plugin mechanism. Every `#>` line must be printed (standard error included: the follow
// lines and server errors go there), in order, and every step runs once.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { seedDemo } from '../../src/demo.ts';
import type { JobSummaryView } from '../../src/domain/views.ts';
import { api, startHookd } from '../helpers/hookd.ts';
import { kubectlPath } from '../helpers/kubectl.ts';
import { buildPlugin, spawnCollect } from '../helpers/kubectl-hookd.ts';
import { assertPrintsInOrder, expectedLines, shBlock } from '../helpers/readme-block.ts';
import { startSim } from '../helpers/start-sim.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');
const SECTION = '## Walkthrough with kubectl hookd';
const dir = mkdtempSync(join(tmpdir(), 'hookd-readme-plugin-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test("the install lines name the package's bin and the README's server", () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const install = shBlock(readme, SECTION, 0);
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> };
  assert.ok(install.includes(`"$PWD/${pkg.bin['kubectl-hookd']}"`), install);
  assert.ok(install.includes('export HOOKD_URL=http://127.0.0.1:8080'));
  assert.ok(expectedLines(shBlock(readme, SECTION, 1)).length > 30, 'the walkthrough shows what it prints');
});

test("the README's kubectl hookd walkthrough prints what the README shows, each step once", async (t) => {
  const env = await startSim({}, t);
  await seedDemo(env.kc);
  const hookd = await startHookd({ kubeconfig: env.sim.kubeconfig });
  t.after(() => hookd.stop());
  const plugin = await buildPlugin();
  t.after(() => plugin.dispose());
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  symlinkSync(kubectlPath(), join(bin, 'kubectl'));

  const block = shBlock(readFileSync(join(ROOT, 'README.md'), 'utf8'), SECTION, 1);
  const home = join(dir, 'home');
  mkdirSync(home);
  const r = await spawnCollect('bash', ['-e', '-o', 'pipefail', '-c', `exec 2>&1\n${block}`], { PATH: [bin, plugin.pluginDir, plugin.path].join(':'), HOME: home, HOOKD_URL: hookd.url }, { timeoutMs: 90_000, cwd: home });
  assert.equal(r.code, 0, `the walkthrough failed:\n${r.stdout}`);
  assertPrintsInOrder(block, r.stdout);

  const jobs = async (restore: string): Promise<JobSummaryView[]> => (await api<{ jobs: JobSummaryView[] }>(hookd.url, 'GET', `/v1/jobs?restore=${restore}`)).body.jobs;
  assert.deepEqual((await jobs('demo-restore')).map((j) => j.status), ['partially_failed'], 'the demo restore ran once');
  assert.deepEqual((await jobs('by-label')).map((j) => j.status), ['completed']);
  const all = (await api<{ jobs: JobSummaryView[] }>(hookd.url, 'GET', '/v1/jobs')).body.jobs;
  assert.deepEqual(all.map((j) => j.status).sort(), ['cancelled', 'completed', 'partially_failed'], 'three jobs: no step ran twice, the dry run queued nothing');
});
