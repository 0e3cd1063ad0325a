// The four commands: what each asks hookd and what it prints. Human text goes to standard
// output, progress to standard error (so `-o json` or `-o name` output stays clean for a
// pipe). Each returns the exit code: 0 done (a followed job completed), 1 a followed or
// watched job did not complete.

import type { DryRunView } from '../domain/dry-run.ts';
import type { JobSummaryView, JobView } from '../domain/views.ts';
import type { Command } from './args.ts';
import type { HookdClient, JobCreated } from './client.ts';
import { HooksFileError, parseHooksFile } from './hooks-file.ts';
import { ENDED_STATUSES, exitCodeOf } from './progress.ts';
import { describeDryRun, describeJob, hooksTable, jobsTable, submitted } from './render.ts';
import { serialize } from './serialize.ts';
import { watchJob, type WatchIo } from './watch.ts';

export interface Io extends WatchIo {
  readonly out: (s: string) => void;
  /** A file's text; `-` is standard input. */
  readonly readFile: (path: string) => Promise<string>;
}

type RunCommand = Extract<Command, { kind: 'run' }>;
type JobOutput = 'json' | 'yaml' | 'wide' | 'name' | null;

const PAGE = 100;

function printJob(io: Io, job: JobView, output: JobOutput, showOutput: boolean): void {
  if (output === 'json' || output === 'yaml') io.out(serialize(job, output));
  else if (output === 'name') io.out(`${job.id}\n`);
  else if (output === 'wide') io.out(hooksTable(job));
  else io.out(describeJob(job, { showOutput }));
}

async function followed(client: HookdClient, id: string, io: Io, output: JobOutput, showOutput: boolean): Promise<number> {
  const job = await watchJob(client, id, io);
  printJob(io, job, output, showOutput);
  return ENDED_STATUSES.includes(job.status) ? exitCodeOf(job.status) : 1;
}

async function readHooks(io: Io, path: string): Promise<Record<string, unknown>> {
  const name = path === '-' ? 'standard input' : path;
  let text: string;
  try {
    text = await io.readFile(path);
  } catch (err) {
    throw new HooksFileError(`--hooks ${name}: ${(err as { code?: string }).code ?? (err instanceof Error ? err.message : 'cannot read it')}`);
  }
  return parseHooksFile(text, name);
}

async function run(c: RunCommand, client: HookdClient, io: Io): Promise<number> {
  const submit = { dryRun: c.dryRun, failFast: c.failFast, idempotencyKey: c.idempotencyKey };
  let answer: JobCreated | DryRunView;
  if (c.target.kind === 'restore') {
    answer = await client.submitRestore(c.target.namespace, c.target.name, submit);
  } else {
    const t = c.target;
    const body: Record<string, unknown> =
      t.kind === 'pods'
        ? { pods: t.names.map((name) => ({ namespace: t.namespace, name })) }
        : { selector: { namespaces: t.namespaces, ...(t.labelSelector === null ? {} : { labelSelector: t.labelSelector }) } };
    if (c.hooksFile !== null) body['hooks'] = await readHooks(io, c.hooksFile);
    if (c.restoreName !== null) body['restore'] = c.restoreName;
    if (c.failFast) body['failFast'] = true;
    answer = await client.submit(body, submit);
  }
  if ('dryRun' in answer) {
    if (c.output === 'json' || c.output === 'yaml') io.out(serialize(answer, c.output));
    else io.out(describeDryRun(answer));
    return 0;
  }
  if (c.follow) return followed(client, answer.id, io, c.output, false);
  if (c.output === 'json' || c.output === 'yaml') io.out(serialize(answer, c.output));
  else if (c.output === 'name') io.out(`${answer.id}\n`);
  else io.out(submitted(answer.id, answer.status));
  return 0;
}

async function list(c: Extract<Command, { kind: 'list' }>, client: HookdClient, io: Io): Promise<number> {
  const jobs: JobSummaryView[] = [];
  let cursor: string | null = null;
  do {
    const want = c.limit === null ? PAGE : Math.min(PAGE, c.limit - jobs.length);
    const page = await client.listJobs({ restore: c.restore, status: c.status, limit: want, cursor });
    jobs.push(...page.jobs);
    cursor = page.nextCursor;
  } while (cursor !== null && (c.limit === null || jobs.length < c.limit));
  if (c.output === 'json' || c.output === 'yaml') io.out(serialize({ jobs }, c.output));
  else if (c.output === 'name') io.out(jobs.map((j) => `${j.id}\n`).join(''));
  else io.out(jobsTable(jobs, io.now(), c.output === 'wide'));
  return 0;
}

export async function execute(command: Exclude<Command, { kind: 'help' }>, client: HookdClient, io: Io): Promise<number> {
  switch (command.kind) {
    case 'run':
      return run(command, client, io);
    case 'get':
      if (command.watch) return followed(client, command.id, io, command.output, command.showOutput);
      printJob(io, await client.job(command.id), command.output, command.showOutput);
      return 0;
    case 'list':
      return list(command, client, io);
    case 'cancel': {
      const r = await client.cancel(command.id);
      io.out(`Job ${r.id} cancelled: hooks not yet started are skipped; a running exec finishes or times out.\n`);
      return 0;
    }
  }
}
