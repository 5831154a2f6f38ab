import { compareBytes, type RawRange } from './layout.js';
import { type RawEngine, RawEngineStorage, type RawOp } from './raw-engine.js';
import type { Storage } from './storage.js';

/**
 * A sorted array of entries with binary search: O(log n) reads, O(n) inserts (a memmove, fast at the
 * sizes tests and simulations use), and range scans that are plain slices. Not durable.
 */
class MemoryEngine implements RawEngine {
  readonly name = 'memory';
  readonly durable = false;
  #keys: Uint8Array[] = [];
  #values: Uint8Array[] = [];

  /** Index of the first key >= `key`. */
  #lowerBound(key: Uint8Array): number {
    let lo = 0;
    let hi = this.#keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareBytes(this.#keys[mid]!, key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  #found(i: number, key: Uint8Array): boolean {
    const k = this.#keys[i];
    return k !== undefined && compareBytes(k, key) === 0;
  }

  async get(key: Uint8Array): Promise<Uint8Array | undefined> {
    const i = this.#lowerBound(key);
    return this.#found(i, key) ? Uint8Array.from(this.#values[i]!) : undefined;
  }

  /** Synchronous inside, so no reader can observe half a batch: atomic by construction. */
  async write(ops: readonly RawOp[]): Promise<void> {
    for (const op of ops) {
      const i = this.#lowerBound(op.key);
      const found = this.#found(i, op.key);
      if (op.type === 'put') {
        if (found) this.#values[i] = op.value;
        else {
          this.#keys.splice(i, 0, op.key);
          this.#values.splice(i, 0, op.value);
        }
      } else if (found) {
        this.#keys.splice(i, 1);
        this.#values.splice(i, 1);
      }
    }
  }

  async *scan(range: RawRange): AsyncIterable<readonly [Uint8Array, Uint8Array]> {
    const from = this.#lowerBound(range.gte);
    const to = range.lt === undefined ? this.#keys.length : this.#lowerBound(range.lt);
    // Slicing takes the snapshot; stored arrays are never mutated in place, only replaced.
    const keys = this.#keys.slice(from, Math.max(from, to));
    const values = this.#values.slice(from, Math.max(from, to));
    for (let i = 0; i < keys.length; i++) yield [keys[i]!, values[i]!] as const;
  }

  async close(): Promise<void> {
    this.#keys = [];
    this.#values = [];
  }
}

/** The in-memory engine, for tests and the simulator. */
export function openMemoryStorage(): Storage {
  return new RawEngineStorage(new MemoryEngine());
}
