// A small bounded cache of promises with a lifetime: answers of TokenReview and
// SubjectAccessReview are reused for a short while (at most 60 s and 10 s), and
// concurrent questions with the same key share one request, so a job of 1,000 pods in 10
// namespaces asks once per namespace, not once per pod. A failed request is not kept.
// Bounded: past `max` entries the oldest go first (Map keeps insertion order).

export class TtlCache<V> {
  private readonly entries = new Map<string, { value: Promise<V>; expiresMs: number }>();
  private readonly ttlMs: number;
  private readonly max: number;
  private readonly clock: () => number;

  constructor(ttlMs: number, max: number, clock: () => number = Date.now) {
    this.ttlMs = ttlMs;
    this.max = max;
    this.clock = clock;
  }

  get(key: string, load: () => Promise<V>): Promise<V> {
    const now = this.clock();
    const hit = this.entries.get(key);
    if (hit && hit.expiresMs > now) return hit.value;
    if (hit) this.entries.delete(key);
    const value = load();
    if (this.ttlMs <= 0) return value;
    this.entries.set(key, { value, expiresMs: now + this.ttlMs });
    value.catch(() => {
      if (this.entries.get(key)?.value === value) this.entries.delete(key);
    });
    while (this.entries.size > this.max) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
    return value;
  }

  get size(): number {
    return this.entries.size;
  }
}
