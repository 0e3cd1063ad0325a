// npm run chaos -- [--quick] [--seed N] [--pods N] [--only a,b] [--keep] [--out DIR]
// Runs each fault of chaos/scenarios.ts against a fresh world (private Redis with
// append-only persistence, the simulated cluster, one API and two worker processes),
// counts every hook as run once, twice or never against what hookd reports, and writes
// DIR/latest.json and DIR/latest.md (default chaos/results).

import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { SCENARIOS, type ScenarioResult } from './scenarios.ts';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    seed: { type: 'string', default: '9' },
    pods: { type: 'string' },
    'parked-pods': { type: 'string' },
    only: { type: 'string' },
    keep: { type: 'boolean', default: false },
    out: { type: 'string', default: join(import.meta.dirname, 'results') },
    'fuzz-requests': { type: 'string' },
  },
});
const quick = values.quick === true;
const opts = {
  pods: Number(values.pods ?? (quick ? 20 : 200)),
  parkedPods: Number(values['parked-pods'] ?? (quick ? 200 : 10_000)),
  seed: Number(values.seed),
  keep: values.keep === true,
  fuzzRequests: Number(values['fuzz-requests'] ?? (quick ? 500 : 10_000)),
};
const names = values.only ? values.only.split(',') : Object.keys(SCENARIOS);
for (const n of names) if (!SCENARIOS[n]) throw new Error(`unknown scenario ${n}; known: ${Object.keys(SCENARIOS).join(', ')}`);

/** Targets of the reliability issue; a result that misses one fails the run. */
export function problems(r: ScenarioResult, execConcurrency = 10): string[] {
  const out: string[] = [];
  if (r.error) out.push(`did not complete: ${r.error}`);
  if (r.tally) {
    if (r.tally.twice > 0) out.push(`${r.tally.twice} hooks ran twice`);
    if (r.tally.never > 0) out.push(`${r.tally.never} hooks never ran`);
    if (r.tally.misreported > 0) out.push(`${r.tally.misreported} hooks misreported`);
    // Every hook's command succeeds: a job with no hook interrupted at a kill must complete.
    if (r.tally.interrupted === 0 && r.jobStatus !== 'completed') out.push(`the job ended ${r.jobStatus ?? 'never'} though every hook ran once`);
    if (r.tally.interrupted > execConcurrency) out.push(`${r.tally.interrupted} interrupted, more than the killed worker's ${execConcurrency} exec slots`);
  }
  if (r.takeoverMs !== undefined && (r.takeoverMs < 0 || r.takeoverMs > 15_000)) out.push(`takeover took ${r.takeoverMs} ms (target 15 s)`);
  if (r.wakeTakeoverMs !== undefined && r.wakeTakeoverMs > 1000) out.push(`the other worker woke its first parked pod ${r.wakeTakeoverMs} ms after the kill (target 1 s)`);
  if (r.fuzz) {
    if (r.fuzz.fiveHundreds > 0) out.push(`${r.fuzz.fiveHundreds} answers of 500 or more`);
    if (r.fuzz.inShape !== r.fuzz.errors) out.push(`${r.fuzz.errors - r.fuzz.inShape} error bodies not in the documented shape`);
  }
  return out;
}

async function main(): Promise<void> {
  const results: ScenarioResult[] = [];
  const started = Date.now();
  for (const name of names) {
    process.stderr.write(`chaos: ${name} (${opts.pods} pods x 2 hooks) ... `);
    const r = await (SCENARIOS[name] ?? (() => Promise.reject(new Error(name))))(opts);
    results.push(r);
    const p = problems(r);
    process.stderr.write(`${p.length === 0 ? 'ok' : `FAILED: ${p.join('; ')}`} in ${(r.tookMs / 1000).toFixed(1)} s\n`);
  }
  const out = resolve(String(values.out));
  mkdirSync(out, { recursive: true });
  const report = { date: new Date().toISOString(), seed: opts.seed, pods: opts.pods, quick, durationMs: Date.now() - started, results: results.map((r) => ({ ...r, problems: problems(r) })) };
  writeFileSync(join(out, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(out, 'latest.md'), markdown(report));
  process.stdout.write(markdown(report));
  if (report.results.some((r) => r.problems.length > 0)) process.exitCode = 1;
}

function markdown(report: { date: string; seed: number; pods: number; quick: boolean; durationMs: number; results: Array<ScenarioResult & { problems: string[] }> }): string {
  const rows = report.results.map((r) => {
    const t = r.tally;
    const cells = t ? `${t.hooks} | ${t.once} | ${t.twice} | ${t.never} | ${t.misreported} | ${t.interrupted}` : '- | - | - | - | - | -';
    const extra = r.wakeTakeoverMs !== undefined ? `first wake-up ${r.wakeTakeoverMs} ms after the kill` : r.takeoverMs !== undefined ? `takeover ${(r.takeoverMs / 1000).toFixed(1)} s` : r.fuzz ? `${r.fuzz.requests} requests, ${r.fuzz.fiveHundreds} >= 500, ${r.fuzz.inShape}/${r.fuzz.errors} errors in shape, ${r.fuzz.noAnswer} unanswered` : (r.jobStatus ?? '');
    return `| ${r.name} | ${cells} | ${extra} | ${r.problems.length === 0 ? 'ok' : r.problems.join('; ')} |`;
  });
  return [
    `# Chaos run ${report.date}`,
    '',
    `\`npm run chaos${report.quick ? ' -- --quick' : ''}\`, seed ${report.seed}, ${report.pods} pods x 2 hooks per scenario, ${(report.durationMs / 1000).toFixed(0)} s.`,
    '',
    '| scenario | hooks | once | twice | never | misreported | interrupted at a kill | notes | verdict |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    ...report.results.filter((r) => r.tally && r.tally.examples.length > 0).map((r) => `- ${r.name}: ${r.tally?.examples.slice(0, 3).join('; ')}`),
    '',
  ].join('\n');
}

if (import.meta.main) await main();
