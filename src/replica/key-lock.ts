/**
 * A per-key async mutex: callers with the same key run one after another, in arrival order; different
 * keys run concurrently. A read-modify-write of a DVV set must not interleave with another on the same
 * key, or the later store overwrites the earlier one and a dot is lost (riak_kv_vnode gets this for free
 * by being one Erlang process per partition; we serialise per key instead, which is finer-grained).
 */
export class KeyLock {
  readonly #tails = new Map<string, Promise<void>>();

  /** Keys with a holder or waiters (for tests: the map must drain). */
  get size(): number {
    return this.#tails.size;
  }

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    let release: () => void = () => {};
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    // `previous` only ever resolves (it is a chain of `mine`s), so the chain never rejects.
    const tail = previous.then(() => mine);
    this.#tails.set(key, tail);
    await previous;
    try {
      return await fn();
    } finally {
      release();
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    }
  }
}

/** An unambiguous lock key for (namespace, partition, key bytes). */
export function lockKey(ns: string, partition: number, key: Uint8Array): string {
  return `${ns.length}:${ns}:${partition}:${keyHex(key)}`;
}

/** Key bytes as a string, for maps keyed by key (no copy of the bytes). */
export function keyHex(key: Uint8Array): string {
  return Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('hex');
}
