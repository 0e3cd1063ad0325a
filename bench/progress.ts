// Progress on stderr while a run goes: hooks done of N and the rate over the last interval,
// one line per second (rewritten in place on a terminal), and a final line per step.

export interface Progress {
  /** A new step: its label and how many hooks it counts to. */
  step(label: string, total: number): void;
  /** Hooks done so far in the current step. */
  update(done: number): void;
  /** Ends the step with a summary line. */
  done(summary: string): void;
  note(line: string): void;
}

export function createProgress(out: NodeJS.WriteStream | null): Progress {
  if (out === null) return { step() {}, update() {}, done() {}, note() {} };
  const tty = out.isTTY === true;
  let label = '';
  let total = 0;
  let started = 0;
  let last = { at: 0, done: 0 };
  let printedAt = 0;
  let open = false;
  const print = (line: string, final: boolean): void => {
    if (tty) out.write(`\r\x1b[2K${line}${final ? '\n' : ''}`);
    else out.write(`${line}\n`);
    open = tty && !final;
  };
  return {
    step(l, t) {
      label = l;
      total = t;
      started = performance.now();
      last = { at: started, done: 0 };
      printedAt = 0;
    },
    update(done) {
      const now = performance.now();
      if (now - printedAt < (tty ? 500 : 2000)) return;
      const rate = ((done - last.done) * 1000) / Math.max(1, now - last.at);
      last = { at: now, done };
      printedAt = now;
      print(`  ${label}: ${done}/${total} hooks done, ${rate.toFixed(0)} hooks/s, ${((now - started) / 1000).toFixed(1)} s`, false);
    },
    done(summary) {
      print(`  ${label}: ${summary}`, true);
    },
    note(line) {
      if (open) out.write('\n');
      open = false;
      out.write(`${line}\n`);
    },
  };
}
