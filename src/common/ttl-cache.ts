/**
 * Values read on every request and changed rarely (settings), kept for `ttlMs` per process. A
 * process that changes a value forgets it at once; other processes sharing the database see the
 * change within `ttlMs`. The promise of a load is what is kept, so concurrent readers share one
 * read; a failed load is not kept.
 */
export class TtlCache<V> {
  private readonly entries = new Map<string, { value: Promise<V>; until: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  get(key: string, load: () => Promise<V>): Promise<V> {
    const now = Date.now();
    const entry = this.entries.get(key);
    if (entry !== undefined && entry.until > now) return entry.value;
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    const value = load();
    this.entries.set(key, { value, until: now + this.ttlMs });
    value.catch(() => {
      if (this.entries.get(key)?.value === value) this.entries.delete(key);
    });
    return value;
  }

  /** Forgets the keys starting with `prefix` (all of them without one). */
  forget(prefix = ''): void {
    for (const key of this.entries.keys()) if (key.startsWith(prefix)) this.entries.delete(key);
  }
}

/** One cache per database handle, so that apps built on different databases share nothing. */
export function perDatabase<D extends object, V>(make: () => TtlCache<V>): (db: D) => TtlCache<V> {
  const caches = new WeakMap<D, TtlCache<V>>();
  return (db) => {
    let cache = caches.get(db);
    if (cache === undefined) {
      cache = make();
      caches.set(db, cache);
    }
    return cache;
  };
}
