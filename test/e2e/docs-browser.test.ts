// Swagger UI in a real browser (Debian's chromium, driven by playwright-core), on hookd as the
// quick start serves it: the simulated cluster with the demo, HOOKD_AUTH unset (none on a
// loopback address), so the UI needs no token. / leads to /docs; on POST /v1/jobs, "Try it
// out" then "Execute" with the default example answers 202; GET /v1/jobs/{id} of that job
// answers 200 and, executed again, shows it completed. No script error, no CSP violation.
//
// Chromium is required: without /usr/bin/chromium this test fails and says how to install it
// (.ci/run installs it).

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { seedDemo } from '../../src/demo.ts';
import { startHookd, type TestHookd } from '../helpers/hookd.ts';
import { startSim, type StartedSim } from '../helpers/start-sim.ts';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const POST_JOBS = '#operations-jobs-post_v1_jobs';
const GET_JOB = '#operations-jobs-get_v1_jobs__id_';

const env: StartedSim = await startSim({ lifecycle: { scheduleMs: 10, startMs: 10, readyMs: 10 } });

/** Try it out, then Execute, on an expanded operation; returns the status and body the UI shows. */
async function execute(page: Page, op: string): Promise<{ status: string; body: string }> {
  const rows = `${op} .live-responses-table tbody .response`;
  await page.locator(`${op} .execute`).click();
  await page.locator(`${rows} .response-col_status`).first().waitFor({ timeout: 20_000 });
  const status = ((await page.locator(`${rows} .response-col_status`).first().textContent()) ?? '').trim();
  const body = (await page.locator(`${rows} .response-col_description pre`).first().textContent()) ?? '';
  return { status, body };
}

describe('Swagger UI on the quick start, in chromium', () => {
  let hookd: TestHookd;
  let context: BrowserContext | null = null;
  let profile = '';
  const problems: string[] = [];

  before(async () => {
    await seedDemo(env.kc);
    // As `npm start` runs it on the sim: no HOOKD_AUTH, so none, on 127.0.0.1.
    hookd = await startHookd({ kubeconfig: env.sim.kubeconfig });
  });
  after(async () => {
    await context?.close();
    if (profile !== '') rmSync(profile, { recursive: true, force: true });
    await hookd?.stop();
  });

  test('/ opens /docs; POST /v1/jobs with the default example is 202; GET of that job is 200', async () => {
    assert.ok(
      existsSync(CHROMIUM),
      `${CHROMIUM} is missing: this test needs Debian's chromium (apt-get install -y chromium, as .ci/run does)`,
    );
    assert.equal(hookd.config.auth, 'none', 'the quick start serves the UI without authentication');
    profile = mkdtempSync(join(tmpdir(), 'hookd-chromium-'));
    // A persistent context is how playwright takes a fresh --user-data-dir of our own.
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS });
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });

    await page.goto(`${hookd.url}/`);
    assert.equal(new URL(page.url()).pathname, '/docs');
    await page.locator(POST_JOBS).waitFor({ timeout: 20_000 });

    await page.locator(`${POST_JOBS} .opblock-summary`).click();
    await page.locator(`${POST_JOBS} .try-out__btn`).click();
    const example = JSON.parse(await page.locator(`${POST_JOBS} textarea.body-param__text`).inputValue()) as { pods: { namespace: string; name: string }[] };
    assert.deepEqual(example.pods, [{ namespace: 'demo', name: 'cache-0' }, { namespace: 'demo', name: 'cache-1' }], 'the default example is the quick start one');
    const sent = page.waitForRequest((r) => r.method() === 'POST' && new URL(r.url()).pathname === '/v1/jobs');
    const created = await execute(page, POST_JOBS);
    assert.equal((await sent).headers()['authorization'], undefined, 'no token was needed');
    assert.equal(created.status, '202', created.body);
    const id = (JSON.parse(created.body) as { id: string; status: string }).id;
    assert.match(id, /^\S+$/);

    await page.locator(`${GET_JOB} .opblock-summary`).click();
    await page.locator(`${GET_JOB} .try-out__btn`).click();
    await page.locator(`${GET_JOB} input[placeholder="id"]`).fill(id);
    let job = await execute(page, GET_JOB);
    assert.equal(job.status, '200', job.body);
    assert.equal((JSON.parse(job.body) as { id: string }).id, id);
    // Executed again until the demo hooks have run: the UI shows the ended job.
    for (let i = 0; (JSON.parse(job.body) as { finishedAt: string | null }).finishedAt === null; i++) {
      assert.ok(i < 50, `the job ended: ${job.body.slice(0, 500)}`);
      await new Promise((r) => setTimeout(r, 200));
      job = await execute(page, GET_JOB);
    }
    const ended = JSON.parse(job.body) as { status: string; pods: { hooks: { stdout: string }[] }[] };
    assert.equal(ended.status, 'completed');
    assert.deepEqual(ended.pods.map((p) => p.hooks[0]?.stdout), ['hello from cache-0\n', 'hello from cache-1\n']);
    assert.deepEqual(problems, [], 'no script error or CSP violation in the page');
  });
});
