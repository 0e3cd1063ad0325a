// kubectl-hookd end to end (issue 14 item 5's proof): the plugin built by `npm run build`,
// run as an executable on plain Node 24, against hookd on the simulated cluster seeded with
// the demo, through the walkthrough: a dry run, run --restore --follow (the demo ends
// partially_failed: exit 1), get -o json|yaml|wide, list, the selector form, cancel, and
// the mistakes; its progress on a terminal; and through kubectl itself (`kubectl hookd`).
// HOOKD_AUTH=kubernetes is in kubectl-hookd-auth.test.ts.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { main } from '../../src/cli/main.ts';
import { describeJob } from '../../src/cli/render.ts';
import { seedDemo } from '../../src/demo.ts';
import type { DryRunView } from '../../src/domain/dry-run.ts';
import type { JobView } from '../../src/domain/views.ts';
import { api, startHookd, waitForJobEnd, type TestHookd } from '../helpers/hookd.ts';
import { kubectlPath } from '../helpers/kubectl.ts';
import { freePort } from '../helpers/ports.ts';
import { buildPlugin, spawnCollect, type BuiltPlugin } from '../helpers/kubectl-hookd.ts';
import { startSim } from '../helpers/start-sim.ts';
import { createPod, until } from './velero-support.ts';

const env = await startSim();
await seedDemo(env.kc);
const dir = mkdtempSync(join(tmpdir(), 'hookd-plugin-e2e-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const FLUSH = join(dir, 'flush.yaml');
writeFileSync(
  FLUSH,
  `# Velero spec.hooks, as in a Restore
resources:
  - name: flush
    postHooks:
      - exec:
          container: redis
          command: ["/bin/sh", "-c", "echo flushed on $HOSTNAME"]
`,
);

let plugin: BuiltPlugin;
let hookd: TestHookd;
before(async () => {
  plugin = await buildPlugin();
  hookd = await startHookd({ kubeconfig: env.sim.kubeconfig });
});
after(async () => {
  await hookd?.stop();
  plugin?.dispose();
});

const cli = (args: string[], extra: Record<string, string> = {}, input?: string) =>
  plugin.run(args, { HOOKD_URL: hookd.url, ...extra }, input === undefined ? {} : { input });

const jobView = async (id: string): Promise<JobView> => (await api<JobView>(hookd.url, 'GET', `/v1/jobs/${id}`)).body;

describe('the walkthrough with kubectl hookd', () => {
  let dry: DryRunView;
  let demoJob = '';

  it('runs on plain Node 24 from the bin npm run build makes', async () => {
    const r = await spawnCollect('node', ['--version'], { PATH: plugin.path });
    assert.match(r.stdout, /^v24\./, 'the PATH the plugin runs with has Node 24 first');
    const help = await cli(['--help']);
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /^kubectl hookd runs Velero post-restore exec hooks/);
  });

  it('run --restore velero/demo-restore --dry-run: what would run, nothing queued', async () => {
    const human = await cli(['run', '--restore', 'velero/demo-restore', '--dry-run']);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /^Dry run: nothing was queued, stored or executed\.\n/);
    assert.match(human.stdout, /^Hooks that would run: {2}4$/m);
    assert.match(human.stdout, /demo\/search-0 \(planned\):\n {4}Warnings:\n {6}post\.hook\.restore\.velero\.io\/on-eror: unknown key, ignored \(did you mean on-error\?\)\n/);
    const json = await cli(['run', '--restore', 'velero/demo-restore', '--dry-run', '-o', 'json']);
    assert.equal(json.code, 0, json.stderr);
    dry = JSON.parse(json.stdout) as DryRunView;
    assert.equal(dry.dryRun, true);
    assert.deepEqual(dry.summary, { pods: 4, hooksTotal: 4 });
    const jobs = await api<{ jobs: unknown[] }>(hookd.url, 'GET', '/v1/jobs?restore=demo-restore');
    assert.equal(jobs.body.jobs.length, 0, 'the dry runs queued nothing');
  });

  it('run --restore velero/demo-restore --follow: a line per hook, then the job; exit 1 (partially_failed)', async () => {
    const r = await cli(['run', '--restore', 'velero/demo-restore', '--follow'], {}, undefined);
    assert.equal(r.code, 1, `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
    // Not a terminal: plain lines, nothing redrawn.
    assert.doesNotMatch(r.stderr, /[\r\x1b]/);
    const ended = r.stderr.split('\n').filter((l) => / (succeeded|failed|skipped)( |$)/.test(l));
    assert.deepEqual(ended.map((l) => l.split(' ')[0]).sort(), ['demo/cache-0', 'demo/cache-1', 'demo/postgres-0', 'demo/search-0'], 'each hook ends once');
    assert.match(r.stderr, /^demo\/search-0 <from-annotation> \[search\]: failed \(exit code 3, \d+(ms|\.\ds|s)\): hook <from-annotation> in container search failed to execute, err: command terminated with exit code 3$/m);
    assert.match(r.stderr, /^demo\/postgres-0 <from-annotation> \[postgres\]: succeeded \(exit code 0, /m);
    demoJob = /^Job:\s+(\S+)$/m.exec(r.stdout)?.[1] ?? '';
    assert.ok(demoJob !== '', r.stdout);
    const view = await jobView(demoJob);
    assert.equal(view.status, 'partially_failed');
    assert.equal(r.stdout, describeJob(view), 'stdout is the job as hookd has it, rendered');
    assert.match(r.stdout, /^Status: {5}partially_failed$/m);
    assert.match(r.stdout, / {2}demo\/search-0 \(failed\):\n(.*\n)*? {6}Phase: {6}failed\n {6}Exit code: {2}3\n {6}Duration: {3}\S+\n(.*\n)*? {6}Error: {6}hook <from-annotation> in container search failed/);
    // The dry run listed exactly the hooks the real job ran.
    const planned = dry.pods.flatMap((p) => p.hooks.map((h) => [p.namespace, p.name, h.name, h.container, h.command.join(' ')].join('|'))).sort();
    const ran = view.pods.flatMap((p) => p.hooks.filter((h) => h.phase !== 'skipped').map((h) => [p.namespace, p.name, h.name, h.container, h.command.join(' ')].join('|'))).sort();
    assert.deepEqual(ran, planned);
  });

  it('get JOB -o json | yaml | wide | name, and the default describe', async () => {
    const view = await jobView(demoJob);
    const json = await cli(['get', demoJob, '-o', 'json']);
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual(JSON.parse(json.stdout), view);
    const yaml = await cli(['get', demoJob, '-o', 'yaml']);
    assert.equal(yaml.code, 0, yaml.stderr);
    assert.deepEqual(parseYaml(yaml.stdout), view);
    const wide = await cli(['get', demoJob, '-o', 'wide']);
    assert.equal(wide.code, 0, wide.stderr);
    const rows = wide.stdout.trimEnd().split('\n');
    assert.match(rows[0] ?? '', /^NAMESPACE +POD +HOOK +SOURCE +CONTAINER +ON-ERROR +PHASE +EXIT +DURATION +ERROR$/);
    assert.equal(rows.length, 5);
    assert.match(wide.stdout, /^demo +search-0 +<from-annotation> +annotation +search +Continue +failed +3 +\S+ +hook <from-annotation> in container search failed/m);
    assert.match(wide.stdout, /^demo +cache-1 +warm-cache +spec +redis +Continue +succeeded +0 +\S+$/m);
    assert.equal((await cli(['get', demoJob, '-o', 'name'])).stdout, `${demoJob}\n`);
    const described = await cli(['get', demoJob]);
    assert.equal(described.code, 0, 'get reads; the job\'s outcome is the exit code of run --follow and get --watch');
    assert.equal(described.stdout, describeJob(view));
    const withOutput = await cli(['get', demoJob, '--show-output']);
    assert.match(withOutput.stdout, /Stdout:\n {8}rebuilding index\n {6}Stderr:\n {8}index is corrupt\n/);
  });

  it('list: a table, filters, -o name', async () => {
    const table = await cli(['list']);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^ID +RESTORE +STATUS +PODS +HOOKS +SUCCEEDED +FAILED +SKIPPED +AGE\n/);
    assert.match(table.stdout, new RegExp(`^${demoJob} +demo-restore +partially_failed +4 +4 +3 +1 +0 +\\d+s$`, 'm'));
    assert.equal((await cli(['list', '--restore', 'demo-restore', '-o', 'name'])).stdout, `${demoJob}\n`);
    assert.equal((await cli(['list', '--status', 'completed', '--restore', 'demo-restore'])).stdout, 'No jobs found.\n');
    const json = JSON.parse((await cli(['list', '-o', 'json', '--limit', '1'])).stdout) as { jobs: { id: string }[] };
    assert.equal(json.jobs.length, 1);
  });

  it('the selector form with a hooks file: run -n demo -l app=cache --follow exits 0 (completed)', async () => {
    const r = await cli(['run', '-n', 'demo', '-l', 'app=cache', '--hooks', FLUSH, '--restore-name', 'by-label', '--follow']);
    assert.equal(r.code, 0, `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
    assert.match(r.stdout, /^Restore: {4}by-label$/m);
    assert.match(r.stdout, /^Status: {5}completed$/m);
    assert.match(r.stderr, /^demo\/cache-0 flush \[redis\]: succeeded \(exit code 0, /m);
    assert.match(r.stderr, /^demo\/cache-1 flush \[redis\]: succeeded \(exit code 0, /m);
    const id = /^Job:\s+(\S+)$/m.exec(r.stdout)?.[1] ?? '';
    const shown = await cli(['get', id, '--show-output']);
    assert.match(shown.stdout, /Stdout:\n {8}flushed on cache-0\n/);
  });

  it('hooks from standard input, -o name, then get --watch to the end', async () => {
    const submitted = await cli(['run', '-n', 'demo', '-l', 'app=cache', '--hooks', '-', '-o', 'name'], {}, `{"resources":[{"name":"stdin","postHooks":[{"exec":{"container":"redis","command":["true"]}}]}]}`);
    assert.equal(submitted.code, 0, submitted.stderr);
    const id = submitted.stdout.trim();
    assert.match(id, /^j\w+$/);
    const watched = await cli(['get', id, '--watch', '-o', 'json']);
    assert.equal(watched.code, 0, watched.stderr);
    const view = JSON.parse(watched.stdout) as JobView;
    assert.equal(view.status, 'completed');
    assert.deepEqual(view.pods.map((p) => [p.name, p.hooks[0]?.name, p.hooks[0]?.phase]), [['cache-0', 'stdin', 'succeeded'], ['cache-1', 'stdin', 'succeeded']]);
  });

  it('a selector whose pods have no hooks ends completed with a warning that says so', async () => {
    const r = await cli(['run', '-n', 'demo', '-l', 'app=cache', '--follow']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Warnings:\n {2}.*hook/m);
    assert.match(r.stdout, /^ {2}Hooks: {6}0$/m);
  });

  it('cancel JOB: hooks not yet started are skipped; get --watch then exits 1; a second cancel is the 409', async () => {
    createPod(env.sim, 'demo', 'slow-0', { containers: ['redis'], labels: { app: 'slow' } }); // never becomes ready by itself
    const submitted = await cli(['run', '-n', 'demo', 'slow-0', '--hooks', FLUSH, '-o', 'name']);
    assert.equal(submitted.code, 0, submitted.stderr);
    const id = submitted.stdout.trim();
    await until(hookd.url, id, (j) => j.pods[0]?.hooks[0]?.phase === 'waiting', 'the hook waits for its container');
    const cancelled = await cli(['cancel', id]);
    assert.equal(cancelled.code, 0, cancelled.stderr);
    assert.equal(cancelled.stdout, `Job ${id} cancelled: hooks not yet started are skipped; a running exec finishes or times out.\n`);
    const final = await waitForJobEnd<JobView>(hookd.url, id);
    assert.equal(final.status, 'cancelled');
    assert.equal(final.pods[0]?.hooks[0]?.phase, 'skipped');
    const watched = await cli(['get', id, '--watch']);
    assert.equal(watched.code, 1, 'a cancelled job did not complete');
    assert.match(watched.stdout, /^Status: {5}cancelled$/m);
    const again = await cli(['cancel', id]);
    assert.equal(again.code, 1);
    assert.equal(again.stderr, `Error from server (HOOKD_JOB_ENDED): job ${id} has already ended (cancelled): nothing to cancel\n`);
  });

  it("server errors print the body's code and message: exit 1", async () => {
    const unknown = await cli(['get', 'j-nope']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /^Error from server \(HOOKD_JOB_NOT_FOUND\): job j-nope not found/);
    const noRestore = await cli(['run', '--restore', 'velero/nope']);
    assert.equal(noRestore.code, 1);
    assert.match(noRestore.stderr, /^Error from server \(HOOKD_RESTORE_NOT_FOUND\): .*velero\/nope/);
    const badSelector = await cli(['run', '-n', 'demo', '-l', 'app in (', '--dry-run']);
    assert.equal(badSelector.code, 1);
    assert.match(badSelector.stderr, /^Error from server \(HOOKD_JOB_SELECTOR_INVALID\): /);
    const badHooks = join(dir, 'bad.yaml');
    writeFileSync(badHooks, 'resources:\n  - name: x\n    postHooks: [ { exec: { command: ["true"], waitTimeout: "5 minutes" } } ]\n');
    const invalid = await cli(['run', '-n', 'demo', 'cache-0', '--hooks', badHooks]);
    assert.equal(invalid.code, 1);
    assert.match(invalid.stderr, /^Error from server \(HOOKD_HOOK_INVALID\): body\.hooks\.resources\[0\]\.postHooks\[0\]\.exec\.waitTimeout: "5 minutes" is not a Go duration/);
  });

  it('usage errors exit 2 with the usage; no server, or one that does not answer', async () => {
    const missing = await cli(['get']);
    assert.equal(missing.code, 2);
    assert.equal(missing.stdout, '');
    assert.match(missing.stderr, /^error: get: needs a JOB id\nUsage:\n {2}kubectl hookd get JOB \[options\]\n\nSee "kubectl hookd get --help"\.\n$/);
    const flag = await cli(['list', '--follow']);
    assert.equal(flag.code, 2);
    assert.match(flag.stderr, /^error: list: unknown flag -f, --follow\n/);
    const noServer = await plugin.run(['list']);
    assert.equal(noServer.code, 2);
    assert.match(noServer.stderr, /^error: no hookd server: pass --server URL or set HOOKD_URL\n/);
    const closed = await freePort();
    const nobody = await cli(['list', '--server', `http://127.0.0.1:${closed}`]);
    assert.equal(nobody.code, 1);
    assert.equal(nobody.stderr, `error: cannot reach hookd at http://127.0.0.1:${closed}: ECONNREFUSED\n`);
    const noFile = await cli(['run', '-n', 'demo', 'cache-0', '--hooks', join(dir, 'absent.yaml')]);
    assert.equal(noFile.code, 1);
    assert.match(noFile.stderr, /^error: --hooks .*absent\.yaml: ENOENT\n$/);
  });

  it('on a terminal: a progress line redrawn in place under the hook lines, cleared at the end', async () => {
    let out = '';
    let err = '';
    const code = await main(['run', '-n', 'demo', '-l', 'app=cache', '--hooks', FLUSH, '--follow'], { HOOKD_URL: hookd.url }, {
      out: (s) => (out += s),
      err: (s) => (err += s),
      errIsTTY: true,
      now: () => Date.now(),
      readFile: async (p) => (await import('node:fs/promises')).readFile(p, 'utf8'),
    });
    assert.equal(code, 0, err);
    assert.match(out, /^Status: {5}completed$/m);
    const CLEAR = '\r\x1b[2K';
    assert.ok(err.startsWith(CLEAR), 'the first thing drawn is the progress line');
    assert.match(err, /\r\x1b\[2Kjob j\w+ (queued|running): 0\/\d+ hooks ended/);
    assert.match(err, /\r\x1b\[2Kdemo\/cache-0 flush \[redis\]: succeeded \(exit code 0, [^\n]+\n\r\x1b\[2Kjob j\w+ \w+: [12]\/2 hooks ended/);
    assert.ok(err.endsWith(CLEAR), 'the progress line is cleared before the job is printed');
  });
});

describe('as a kubectl plugin: `kubectl hookd` with the bundled kubectl', () => {
  const path = (): string => {
    const bin = join(dir, 'kubectl-bin');
    mkdirSync(bin, { recursive: true });
    try {
      symlinkSync(kubectlPath(), join(bin, 'kubectl'));
    } catch (err) {
      if ((err as { code?: string }).code !== 'EEXIST') throw err;
    }
    return [bin, plugin.pluginDir, plugin.path].join(':');
  };
  const kubectl = (args: string[]) => spawnCollect(join(dir, 'kubectl-bin', 'kubectl'), args, { PATH: path(), HOME: dir, HOOKD_URL: hookd.url });

  it('kubectl plugin list finds kubectl-hookd on the PATH', async () => {
    const r = await kubectl(['plugin', 'list']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /\/kubectl-hookd$/m);
    assert.doesNotMatch(r.stderr, /warning/i, r.stderr);
  });

  it('kubectl hookd run --follow, get -o json, and the exit codes pass through kubectl', async () => {
    const run = await kubectl(['hookd', 'run', '--restore', 'velero/demo-restore', '--follow', '-o', 'name']);
    assert.equal(run.code, 1, run.stderr);
    const id = run.stdout.trim();
    const got = await kubectl(['hookd', 'get', id, '-o', 'json']);
    assert.equal(got.code, 0, got.stderr);
    assert.deepEqual(JSON.parse(got.stdout), await jobView(id));
    assert.equal((JSON.parse(got.stdout) as JobView).status, 'partially_failed');
    const usage = await kubectl(['hookd', 'get']);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /^error: get: needs a JOB id\n/);
  });
});
