// The key that seals job specs and plans (store/sealed-json.ts). API processes seal, workers
// check: every process of one installation needs the same key, from HOOKD_SPEC_KEY (or
// HOOKD_SPEC_KEY_FILE). Without one, a key is made once and kept in the data folder (0600
// in a 0700 folder), which serves the quick start and processes sharing one machine;
// processes on different machines without a shared key refuse each other's jobs, loudly.

import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export function specKeyFrom(setting: string, dataDir: string): { readonly key: Buffer; readonly source: string } {
  if (setting !== '') return { key: Buffer.from(setting, 'utf8'), source: 'HOOKD_SPEC_KEY' };
  const dir = resolve(dataDir);
  const path = join(dir, 'spec.key');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  try {
    writeFileSync(path, randomBytes(32).toString('hex'), { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  chmodSync(path, 0o600);
  return { key: Buffer.from(readFileSync(path, 'utf8').trim(), 'utf8'), source: path };
}
