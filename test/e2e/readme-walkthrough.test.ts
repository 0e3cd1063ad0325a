// The README's "Walkthrough with curl", run as written (bash, curl, sed, grep and
// `npm run kubectl`) against hookd on a simulated cluster seeded with the demo, so the README
// cannot drift: every `#>` line it shows must be printed, in order, and every step must run
// once (no POST repeated to capture an id).

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { seedDemo } from '../../src/demo.ts';
import type { JobSummaryView } from '../../src/domain/views.ts';
import { api, startHookd } from '../helpers/hookd.ts';
import { startSim } from '../helpers/start-sim.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');
const README_URL = 'http://127.0.0.1:8080';

/** The first ```sh block of the README's walkthrough section. */
export function walkthroughBlock(readme: string): string {
  const section = readme.indexOf('## Walkthrough with curl');
  assert.ok(section >= 0, 'the README has a walkthrough');
  const open = readme.indexOf('```sh\n', section);
  const close = readme.indexOf('\n```', open + 6);
  assert.ok(open > section && close > open, 'the walkthrough has a sh block');
  return readme.slice(open + 6, close + 1);
}

/** `#> text` lines: what the README says a step prints; `...` stands for anything. */
export function expectedLines(block: string): RegExp[] {
  return block
    .split('\n')
    .filter((l) => l.startsWith('#>'))
    .map((l) => l.slice(2).trim())
    .filter((l) => l !== '' && l !== '...')
    .map((l) => new RegExp(`^${l.split('...').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`));
}

function bash(script: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, reject) => {
    const child = spawn('bash', ['-e', '-o', 'pipefail', '-c', script], { cwd: ROOT, env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

test('the matcher: `...` is a wildcard, everything else literal, a whole line', () => {
  const [re] = expectedLines('x\n#> {"id":"j...","n":[1]}\n#> ...\n#>\n');
  assert.ok(re);
  assert.equal(expectedLines('#> ...\n#>\n').length, 0);
  assert.ok(re.test('{"id":"j0abc","n":[1]}'));
  assert.ok(!re.test('{"id":"j0abc","n":[12]}'));
  assert.ok(!re.test('prefix {"id":"j0abc","n":[1]}'));
});

const dir = mkdtempSync(join(tmpdir(), 'hookd-walkthrough-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test("the README's walkthrough prints what the README shows, and runs each step once", async (t) => {
  const env = await startSim({}, t);
  await seedDemo(env.kc);
  const hookd = await startHookd({ kubeconfig: env.sim.kubeconfig });
  t.after(() => hookd.stop());

  const block = walkthroughBlock(readFileSync(join(ROOT, 'README.md'), 'utf8'));
  assert.ok(block.includes(README_URL));
  // As typed, but for the port: the lines must come out as the README shows them.
  const r = await bash(block.replaceAll(README_URL, hookd.url), { HOME: dir, HOOKD_SIM_KUBECONFIG: env.kubeconfigPath });
  assert.equal(r.code, 0, `the walkthrough failed:\n${r.stderr}\n${r.stdout}`);

  const lines = r.stdout.split('\n');
  let at = 0;
  for (const want of expectedLines(block)) {
    const found = lines.findIndex((l, i) => i >= at && want.test(l));
    assert.ok(found >= 0, `the README shows ${want.source}\nbut the walkthrough printed, from line ${at}:\n${lines.slice(at).join('\n')}`);
    at = found + 1;
  }

  // Step 1 posts once: one job for the demo restore, one exec per annotated demo pod.
  const demoJobs = await api<{ jobs: JobSummaryView[] }>(hookd.url, 'GET', '/v1/jobs?restore=demo-restore');
  assert.equal(demoJobs.body.jobs.length, 1);
  const execs = (pod: string): number => env.sim.timeline().execArrived.filter((e) => e.namespace === 'demo' && e.pod === pod).length;
  // postgres-0: its hook, then step 7's `kubectl exec`.
  assert.deepEqual(
    ['postgres-0', 'search-0', 'cache-0', 'cache-1'].map((p) => [p, execs(p)]),
    [['postgres-0', 2], ['search-0', 1], ['cache-0', 3], ['cache-1', 3]],
    'demo restore once, explicit pods once, selector once',
  );
  const selector = await api<{ jobs: JobSummaryView[] }>(hookd.url, 'GET', '/v1/jobs?restore=by-label');
  assert.equal(selector.body.jobs.length, 1);
  assert.equal(selector.body.jobs[0]?.summary.hooksSucceeded, 2, 'the selector example runs hooks');
});
