// What really ran, counted by the simulated cluster as each exec arrives and ends, against
// what hookd reports in GET /v1/jobs/{id}: every hook is run once, twice or never, and its
// report is right or wrong.

export interface LedgerEntry {
  starts: number;
  ends: number;
}

export class Ledger {
  readonly entries = new Map<string, LedgerEntry>();

  entry(key: string): LedgerEntry {
    let e = this.entries.get(key);
    if (!e) {
      e = { starts: 0, ends: 0 };
      this.entries.set(key, e);
    }
    return e;
  }
}

export interface ReportedHook {
  readonly pod: string;
  readonly index: number;
  readonly phase: string;
  readonly exitCode: number | null;
  readonly error: string | null;
}

export interface Tally {
  hooks: number;
  once: number;
  twice: number;
  never: number;
  misreported: number;
  /** Reported interrupted at a kill -9 (in flight: started, or its exec request on its way): allowed up to the exec slots, and counted. */
  interrupted: number;
  examples: string[];
}

/** Every hook of the job is eligible (its pod runs, its command succeeds): it must run once and be reported succeeded. */
export function tally(ledger: Ledger, hooks: readonly ReportedHook[], allowInterrupted: boolean): Tally {
  const t: Tally = { hooks: hooks.length, once: 0, twice: 0, never: 0, misreported: 0, interrupted: 0, examples: [] };
  const note = (s: string): void => {
    if (t.examples.length < 10) t.examples.push(s);
  };
  for (const h of hooks) {
    const key = `${h.pod}:${h.index}`;
    const e = ledger.entries.get(key) ?? { starts: 0, ends: 0 };
    // At a kill -9, an exec whose request was on its way may or may not have started its
    // command: hookd cannot know, and "interrupted, outcome unknown" is the true report.
    const interrupted = h.phase === 'failed' && /interrupted/.test(h.error ?? '');
    if (interrupted && allowInterrupted && e.starts <= 1) {
      t.interrupted++;
      if (e.starts === 1) t.once++;
      continue;
    }
    if (e.starts >= 2) {
      t.twice++;
      note(`${key} ran ${e.starts} times`);
    } else if (e.starts === 0) {
      t.never++;
      note(`${key} never ran (reported ${h.phase}${h.error ? `: ${h.error}` : ''})`);
    } else t.once++;
    const right = e.starts >= 1 && e.ends >= 1 ? h.phase === 'succeeded' && h.exitCode === 0 : h.phase !== 'succeeded';
    if (!right) {
      t.misreported++;
      note(`${key} reported ${h.phase}${h.error ? ` (${h.error})` : ''}, ledger ${e.starts} start(s) ${e.ends} end(s)`);
    }
  }
  return t;
}
