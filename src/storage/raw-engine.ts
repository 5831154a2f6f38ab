import { decodeKey, encodeKey, type RawRange, scanRange } from './layout.js';
import {
  type BatchOp,
  type IterateOptions,
  type Namespace,
  type Storage,
  StorageError,
  type StoreKey,
} from './storage.js';

/** One write in engine-key form. */
export type RawOp =
  | { readonly type: 'put'; readonly key: Uint8Array; readonly value: Uint8Array }
  | { readonly type: 'del'; readonly key: Uint8Array };

/**
 * What an engine adapter provides: an ordered map of byte strings with an atomic batch. Everything else
 * (layout, validation, the closed state, error typing) lives once in `RawEngineStorage`, so engines cannot
 * drift apart in semantics.
 */
export interface RawEngine {
  readonly name: string;
  readonly durable: boolean;
  get(key: Uint8Array): Promise<Uint8Array | undefined>;
  /** Atomic and, for durable engines, synced before resolving. */
  write(ops: readonly RawOp[]): Promise<void>;
  /** Snapshot scan of [gte, lt) in ascending byte order. */
  scan(range: RawRange): AsyncIterable<readonly [Uint8Array, Uint8Array]>;
  close(): Promise<void>;
}

function ioError(err: unknown): StorageError {
  return err instanceof StorageError ? err : new StorageError('io', String(err), { cause: err });
}

/** Adapts a RawEngine to the Storage interface. */
export class RawEngineStorage implements Storage {
  readonly engine: string;
  readonly durable: boolean;
  #closing: Promise<void> | undefined;
  /** Writes in flight, so close() lets acknowledged-to-be writes finish instead of failing them. */
  readonly #pending = new Set<Promise<unknown>>();

  constructor(private readonly raw: RawEngine) {
    this.engine = raw.name;
    this.durable = raw.durable;
  }

  #checkOpen(): void {
    if (this.#closing !== undefined) throw new StorageError('closed', `${this.engine} storage is closed`);
  }

  async #run<T>(f: () => Promise<T>): Promise<T> {
    this.#checkOpen();
    const p = f();
    this.#pending.add(p);
    try {
      return await p;
    } catch (err) {
      throw ioError(err);
    } finally {
      this.#pending.delete(p);
    }
  }

  async get(ns: Namespace, key: StoreKey): Promise<Uint8Array | undefined> {
    this.#checkOpen();
    const k = encodeKey(ns, key);
    return this.#run(() => this.raw.get(k));
  }

  async put(ns: Namespace, key: StoreKey, value: Uint8Array): Promise<void> {
    this.#checkOpen();
    const k = encodeKey(ns, key);
    // Copy: the caller may reuse its buffer after we return, and the memory engine keeps references.
    const v = Uint8Array.from(value);
    return this.#run(() => this.raw.write([{ type: 'put', key: k, value: v }]));
  }

  async delete(ns: Namespace, key: StoreKey): Promise<void> {
    this.#checkOpen();
    const k = encodeKey(ns, key);
    return this.#run(() => this.raw.write([{ type: 'del', key: k }]));
  }

  async batch(ops: readonly BatchOp[]): Promise<void> {
    this.#checkOpen();
    // Encode everything first: a bad key rejects the whole batch before anything is written.
    const raw: RawOp[] = ops.map((op) =>
      op.type === 'put'
        ? { type: 'put', key: encodeKey(op.ns, op.key), value: Uint8Array.from(op.value) }
        : { type: 'del', key: encodeKey(op.ns, op.key) },
    );
    if (raw.length === 0) return;
    return this.#run(() => this.raw.write(raw));
  }

  async *iterate(ns: Namespace, options?: IterateOptions): AsyncIterable<readonly [StoreKey, Uint8Array]> {
    this.#checkOpen();
    const range = scanRange(ns, options);
    try {
      for await (const [k, v] of this.raw.scan(range)) {
        const decoded = decodeKey(k);
        // Every key in the range was written through encodeKey; a malformed one means corruption.
        if (decoded === undefined) throw new StorageError('io', 'malformed key in storage');
        yield [decoded.key, Uint8Array.from(v)] as const;
        this.#checkOpen();
      }
    } catch (err) {
      throw ioError(err);
    }
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      await Promise.allSettled([...this.#pending]);
      await this.raw.close();
    })();
    return this.#closing;
  }
}
