// Canonical JSON: object keys sorted (by UTF-16 code units, recursively), no whitespace,
// otherwise JSON.stringify's rules (undefined members dropped, undefined in arrays as null,
// non-finite numbers as null, toJSON honoured). Two bodies that are equal as JSON values
// give the same string, which is how Idempotency-Key bodies are compared.

function walk(value: unknown): string | undefined {
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    return walk((value as { toJSON: () => unknown }).toJSON());
  }
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : 'null';
    case 'bigint':
      throw new TypeError('canonicalJson: BigInt has no JSON form');
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((v: unknown) => walk(v) ?? 'null').join(',')}]`;
      const record = value as Record<string, unknown>;
      const members: string[] = [];
      for (const key of Object.keys(record).sort()) {
        const v = walk(record[key]);
        if (v !== undefined) members.push(`${JSON.stringify(key)}:${v}`);
      }
      return `{${members.join(',')}}`;
    }
    default:
      return undefined; // undefined, functions, symbols: dropped as JSON.stringify drops them
  }
}

export function canonicalJson(value: unknown): string {
  return walk(value) ?? 'null';
}
