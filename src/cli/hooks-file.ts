// --hooks FILE: Velero spec.hooks as YAML or JSON. The file may hold spec.hooks itself
// (`resources: [...]`) or a whole velero.io/v1 Restore, whose spec.hooks is taken, so a
// Restore manifest can be tried on other pods as it is. hookd validates what is inside.

import { parse } from 'yaml';

export class HooksFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HooksFileError';
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function parseHooksFile(text: string, name: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new HooksFileError(`${name}: not YAML or JSON: ${err instanceof Error ? err.message.split('\n')[0] : 'invalid'}`);
  }
  if (isRecord(doc) && isRecord(doc['spec']) && isRecord(doc['spec']['hooks'])) return doc['spec']['hooks'];
  if (isRecord(doc) && Array.isArray(doc['resources'])) return doc;
  throw new HooksFileError(`${name}: expected Velero spec.hooks (a "resources" list) or a Restore with spec.hooks`);
}
