// Where a reaction tail comes from, printed under a phase's figures: a burst at the start
// (code not yet optimised, first connections) or stalls spread over the run read
// differently, and a wake-up during which the sim itself collected garbage carries that pause.

import type { Progress } from '../progress.ts';
import type { SimPauses } from '../sim/protocol.ts';
import type { ReactionSample } from '../stats.ts';

export function noteReactionTail(progress: Progress, samples: readonly ReactionSample[], simPauses: SimPauses, what: string): void {
  const first = Math.min(...samples.map((r) => r.runningAtMs));
  const slowest = [...samples].sort((a, b) => b.ms - a.ms).slice(0, 12);
  const simGcDuring = (r: ReactionSample): boolean => simPauses.gcPauses.some((g) => g.atMs < r.runningAtMs + r.ms && g.atMs + g.ms > r.runningAtMs);
  progress.note(`  slowest ${what} (ms, at s into them; * the sim collected garbage meanwhile): ${slowest.map((r) => `${Math.round(r.ms)}@${((r.runningAtMs - first) / 1000).toFixed(1)}${simGcDuring(r) ? '*' : ''}`).join(' ')}`);
  const longestGc = Math.max(0, ...simPauses.gcPauses.map((g) => g.ms));
  progress.note(
    `  the sim meanwhile: event-loop delay p99 ${simPauses.loopDelayP99Ms.toFixed(1)} ms, max ${simPauses.loopDelayMaxMs.toFixed(1)} ms; ${simPauses.gcPauses.length} collections of 5 ms or more (longest ${longestGc.toFixed(1)} ms); ${samples.filter(simGcDuring).length} of ${samples.length} ${what} overlapped one`,
  );
}
