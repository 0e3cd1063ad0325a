// Small pure formatters the plugin's output shares: durations, ages, aligned tables.
// Time is passed in (no Date.now() here), so every output can be tested with literals.

/** A hook's duration as people read it: 12ms, 1.5s, 2m5s, 1h0m3s. */
export function formatDurationMs(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms) || ms < 0) return '-';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) {
    const s = ms / 1000;
    return `${s < 10 ? trimZero(s.toFixed(1)) : Math.round(s)}s`;
  }
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return h > 0 ? `${h}h${m}m${s}s` : `${m}m${s}s`;
}

function trimZero(s: string): string {
  return s.endsWith('.0') ? s.slice(0, -2) : s;
}

/** kubectl's AGE column (duration.HumanDuration, coarsened): 45s, 12m, 5h, 3d, 2y. */
export function formatAge(fromIso: string | null, nowMs: number): string {
  if (fromIso === null) return '<unknown>';
  const from = Date.parse(fromIso);
  if (Number.isNaN(from)) return '<unknown>';
  const s = Math.max(0, Math.floor((nowMs - from) / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return `${m}m${s % 60 === 0 ? '' : `${s % 60}s`}`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  return d < 365 * 2 ? `${d}d` : `${Math.floor(d / 365)}y`;
}

/** The time between two RFC 3339 instants, or null when either is missing. */
export function spanMs(fromIso: string | null, toIso: string | null): number | null {
  if (fromIso === null || toIso === null) return null;
  const a = Date.parse(fromIso);
  const b = Date.parse(toIso);
  return Number.isNaN(a) || Number.isNaN(b) ? null : Math.max(0, b - a);
}

/**
 * Columns padded as kubectl's tabwriter does (three spaces between columns, the last one
 * not padded). Cells are made single-line, so a command's output cannot break the table.
 */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [header, ...rows].map((r) => r.map(oneLine));
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  return all.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('   ').trimEnd()).join('\n') + '\n';
}

/** Newlines and tabs become spaces: one value per line in human output. */
export function oneLine(s: string): string {
  return s.replace(/[\r\n\t]+/g, ' ').trim();
}

/** A command as a shell would show it: words with spaces or quotes are quoted. */
export function shellWords(command: readonly string[]): string {
  return command.map((w) => (/^[\w@%+=:,./$-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/** Lines indented by `n` spaces (empty lines stay empty). */
export function indent(text: string, n: number): string {
  const pad = ' '.repeat(n);
  return text
    .split('\n')
    .map((l) => (l === '' ? l : pad + l))
    .join('\n');
}
