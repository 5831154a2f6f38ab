/**
 * A set that remembers at most `capacity` values, forgetting the least recently added or touched first.
 * A Map keeps insertion order, so "touch" is delete + set and the oldest value is the first key: O(1) per
 * operation, no linked list. Used for the rumor ids a node has seen recently (rumor-monger.ts).
 */
export class LruSet<T> {
  private readonly items = new Map<T, true>();

  constructor(readonly capacity: number) {
    if (!(Number.isSafeInteger(capacity) && capacity >= 1)) {
      throw new RangeError(`capacity must be an integer ≥ 1, got ${capacity}`);
    }
  }

  get size(): number {
    return this.items.size;
  }

  /** Whether `value` is remembered; does not change its recency. */
  has(value: T): boolean {
    return this.items.has(value);
  }

  /** Remembers `value` as the most recent, forgetting the oldest beyond capacity. Returns whether it was new. */
  add(value: T): boolean {
    const known = this.items.delete(value);
    this.items.set(value, true);
    if (this.items.size > this.capacity) {
      const oldest = this.items.keys().next();
      if (oldest.done !== true) this.items.delete(oldest.value);
    }
    return !known;
  }

  delete(value: T): boolean {
    return this.items.delete(value);
  }

  /** Values from oldest to most recent. */
  values(): IterableIterator<T> {
    return this.items.keys();
  }
}
