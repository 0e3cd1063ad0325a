// Go's time.ParseDuration and Duration.String(), exactly: Velero reads every hook timeout
// with time.ParseDuration (annotations in item_hook_handler.go, spec fields through
// metav1.Duration), so hookd must accept and reject the same strings.
// Arithmetic is done on nanoseconds as BigInt so that Go's uint64 overflow checks hold.

const NS_PER_MS = 1_000_000n;
const LIMIT = 1n << 63n; // Go checks against 1<<63 while accumulating
const MAX_INT64 = LIMIT - 1n;

const UNITS: ReadonlyMap<string, bigint> = new Map([
  ['ns', 1n],
  ['us', 1_000n],
  ['\u00b5s', 1_000n], // µ MICRO SIGN
  ['\u03bcs', 1_000n], // μ GREEK SMALL LETTER MU
  ['ms', 1_000_000n],
  ['s', 1_000_000_000n],
  ['m', 60_000_000_000n],
  ['h', 3_600_000_000_000n],
]);

export type GoDurationResult = { readonly ok: true; readonly ns: bigint } | { readonly ok: false; readonly error: string };

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

/** Go's strconv-style quote for error messages (enough for printable input). */
function quote(s: string): string {
  return JSON.stringify(s);
}

/** time.ParseDuration, with Go's error text ("time: invalid duration \"x\""). Result in nanoseconds. */
export function parseGoDurationNs(orig: string): GoDurationResult {
  const invalid = (): GoDurationResult => ({ ok: false, error: `time: invalid duration ${quote(orig)}` });
  let s = orig;
  let neg = false;
  if (s !== '' && (s[0] === '-' || s[0] === '+')) {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return { ok: true, ns: 0n };
  if (s === '') return invalid();
  let d = 0n;
  while (s !== '') {
    if (!(s[0] === '.' || isDigit(s[0]))) return invalid();
    // leadingInt: [0-9]*, an error on overflow.
    let i = 0;
    let v = 0n;
    for (; i < s.length && isDigit(s[i]); i++) {
      if (v > LIMIT / 10n) return invalid();
      v = v * 10n + BigInt(s.charCodeAt(i) - 48);
      if (v > LIMIT) return invalid();
    }
    const pre = i > 0;
    s = s.slice(i);
    // leadingFraction: (\.[0-9]*)?, stops accumulating precision on overflow.
    let f = 0n;
    let scale = 1;
    let post = false;
    if (s !== '' && s[0] === '.') {
      s = s.slice(1);
      let j = 0;
      let overflow = false;
      for (; j < s.length && isDigit(s[j]); j++) {
        if (overflow) continue;
        if (f > MAX_INT64 / 10n) {
          overflow = true;
          continue;
        }
        const y = f * 10n + BigInt(s.charCodeAt(j) - 48);
        if (y > LIMIT) {
          overflow = true;
          continue;
        }
        f = y;
        scale *= 10;
      }
      post = j > 0;
      s = s.slice(j);
    }
    if (!pre && !post) return invalid();
    // The unit runs up to the next '.' or digit.
    let k = 0;
    while (k < s.length && !(s[k] === '.' || isDigit(s[k]))) k++;
    if (k === 0) return { ok: false, error: `time: missing unit in duration ${quote(orig)}` };
    const u = s.slice(0, k);
    s = s.slice(k);
    const unit = UNITS.get(u);
    if (unit === undefined) return { ok: false, error: `time: unknown unit ${quote(u)} in duration ${quote(orig)}` };
    if (v > LIMIT / unit) return invalid();
    v *= unit;
    if (f > 0n) {
      // Go: v += uint64(float64(f) * (float64(unit) / scale)), float64 on purpose.
      v += BigInt(Math.trunc(Number(f) * (Number(unit) / scale)));
      if (v > LIMIT) return invalid();
    }
    d += v;
    if (d > LIMIT) return invalid();
  }
  if (neg) return { ok: true, ns: -d };
  if (d > MAX_INT64) return invalid();
  return { ok: true, ns: d };
}

/** time.ParseDuration in milliseconds (fractional below 1ms); null where Go returns an error. */
export function parseGoDuration(s: string): number | null {
  const r = parseGoDurationNs(s);
  return r.ok ? nsToMs(r.ns) : null;
}

function nsToMs(ns: bigint): number {
  const whole = ns / NS_PER_MS;
  const rest = ns % NS_PER_MS;
  return Number(whole) + Number(rest) / 1e6;
}

/** Writes v's fraction digits (prec of them) without trailing zeros, as Go's fmtFrac. */
function fmtFrac(v: bigint, prec: number): { frac: string; rest: bigint } {
  let digits = '';
  let print = false;
  for (let i = 0; i < prec; i++) {
    const digit = v % 10n;
    print = print || digit !== 0n;
    if (print) digits = digit.toString() + digits;
    v /= 10n;
  }
  return { frac: print ? `.${digits}` : '', rest: v };
}

/** Go's Duration.String() for a duration in nanoseconds: "1h2m3.5s", "1.5ms", "0s". */
export function formatGoDurationNs(d: bigint): string {
  const neg = d < 0n;
  let u = neg ? -d : d;
  let out: string;
  if (u < 1_000_000_000n) {
    if (u === 0n) return '0s';
    let unit: string;
    let prec: number;
    if (u < 1_000n) {
      unit = 'ns';
      prec = 0;
    } else if (u < 1_000_000n) {
      unit = '\u00b5s';
      prec = 3;
    } else {
      unit = 'ms';
      prec = 6;
    }
    const { frac, rest } = fmtFrac(u, prec);
    out = `${rest}${frac}${unit}`;
  } else {
    const { frac, rest } = fmtFrac(u, 9);
    u = rest;
    out = `${u % 60n}${frac}s`;
    u /= 60n;
    if (u > 0n) {
      out = `${u % 60n}m${out}`;
      u /= 60n;
      if (u > 0n) out = `${u}h${out}`;
    }
  }
  return neg ? `-${out}` : out;
}

/** Duration.String() for milliseconds (rounded to the nanosecond), for messages. */
export function formatGoDuration(ms: number): string {
  if (!Number.isFinite(ms)) return ms > 0 ? 'no limit' : '-no limit';
  return formatGoDurationNs(BigInt(Math.round(ms * 1e6)));
}
