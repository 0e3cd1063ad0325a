// What a worker runs must be what hookd's API accepted: whoever can write to Redis could
// otherwise HSET a job's spec or a pod's plan and have the worker run their command.
// Records that decide what runs (a job's spec, a pod's plan, a pod job's target) carry an
// HMAC-SHA256 made with a key only hookd holds, bound to where the record lives (job id,
// pod index), so a record cannot be altered, nor copied from another job or pod.
// A sealed JSON record is the record's own JSON with the MAC put first: {"mac":"...",...};
// readers that only display it (job views) ignore the field.

import { createHmac, createSecretKey, timingSafeEqual } from 'node:crypto';

/** A record that fails its check: altered, moved, or sealed with another key. */
export class SealBrokenError extends Error {
  readonly code = 'HOOKD_SPEC_TAMPERED';
  constructor(what: string) {
    super(`${what} fails its integrity check (changed in Redis, or written with another HOOKD_SPEC_KEY): nothing of it is run`);
    this.name = 'SealBrokenError';
  }
}

export interface Sealer {
  /** The MAC of parts, as hex. */
  mac(context: string, body: string): string;
  /** JSON of value with its MAC first; value must be a plain object. */
  seal(context: string, value: object): string;
  /** The value of a sealed text; throws SealBrokenError when the MAC does not match. */
  open<T>(context: string, text: string, what: string): T;
  verify(context: string, body: string, mac: string, what: string): void;
}

export function createSealer(key: Buffer): Sealer {
  if (key.length < 32) throw new Error('the spec key must hold at least 32 bytes');
  // Made once: a Buffer key would be turned into a key object on every MAC (each pod reads sealed records).
  const secret = createSecretKey(key);
  const mac = (context: string, body: string): string => createHmac('sha256', secret).update(context).update('\u0000').update(body).digest('hex');
  const verify = (context: string, body: string, given: string, what: string): void => {
    const want = Buffer.from(mac(context, body), 'hex');
    const got = Buffer.from(/^[0-9a-f]{64}$/.test(given) ? given : '', 'hex');
    if (got.length !== want.length || !timingSafeEqual(got, want)) throw new SealBrokenError(what);
  };
  return {
    mac,
    verify,
    seal(context, value) {
      const json = JSON.stringify(value);
      const rest = json.slice(1);
      return `{"mac":"${mac(context, json)}"${rest === '}' ? '' : ','}${rest}`;
    },
    open<T>(context: string, text: string, what: string): T {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        throw new SealBrokenError(what);
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new SealBrokenError(what);
      const { mac: given, ...value } = parsed as Record<string, unknown>;
      // JSON.stringify of a parsed JSON.stringify output gives the same text back, key order included.
      verify(context, JSON.stringify(value), typeof given === 'string' ? given : '', what);
      return value as T;
    },
  };
}
