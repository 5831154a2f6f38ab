/**
 * The storage backend contract (DESIGN.md §8): bytes in, bytes out, one interface for every engine,
 * in the shape of riak_kv's backends. A replica owns partitions, so keys always live under a partition
 * and a partition can be scanned cheaply (handoff, anti-entropy); `layout.ts` defines the byte layout.
 */

/** A keyspace name (e.g. `data`, `hints`); 1..255 UTF-8 bytes. Namespaces never see each other's keys. */
export type Namespace = string;

/** A key inside a namespace: the ring partition it belongs to (u32) and the user key bytes. */
export interface StoreKey {
  readonly partition: number;
  readonly key: Uint8Array;
}

export type BatchOp =
  | { readonly type: 'put'; readonly ns: Namespace; readonly key: StoreKey; readonly value: Uint8Array }
  | { readonly type: 'del'; readonly ns: Namespace; readonly key: StoreKey };

/**
 * What to scan. Without `partition`, the whole namespace in layout order (partition, then key). With it,
 * only that partition, optionally narrowed to keys starting with `prefix` or within [`gte`, `lt`).
 */
export type IterateOptions =
  | { readonly partition?: undefined }
  | { readonly partition: number; readonly prefix?: Uint8Array }
  | { readonly partition: number; readonly gte?: Uint8Array; readonly lt?: Uint8Array };

export type StorageErrorCode =
  /** The store was closed; no operation succeeds afterwards. */
  | 'closed'
  /** A namespace, partition or key outside the limits of `layout.ts` (a programmer error). */
  | 'invalid-argument'
  /** The engine failed (disk full, corrupt files…); `cause` holds the engine's error. */
  | 'io';

export class StorageError extends Error {
  override readonly name = 'StorageError';
  constructor(
    readonly code: StorageErrorCode,
    message: string,
    options?: { readonly cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * When a durable engine's write resolves (docs/storage.md), as Cassandra's `commitlog_sync` batch vs periodic:
 * - `sync`: after the commit is on the disk (fsync), so it survives power loss and a kernel crash;
 * - `os`: after the commit is handed to the OS (page cache), so it survives kill -9 of the process but not
 *   power loss or a kernel crash, which lose the commits the OS had not yet written back (~30 s on Linux).
 * The memory engine ignores it.
 */
export type Durability = 'sync' | 'os';
export const DURABILITIES: readonly Durability[] = ['sync', 'os'];
/** `sync`: replicas acknowledge only what survives power loss; `os` is an explicit trade (docs/storage.md). */
export const DEFAULT_DURABILITY: Durability = 'sync';

export function isDurability(x: unknown): x is Durability {
  return (DURABILITIES as readonly unknown[]).includes(x);
}

/** The options' durability, checked at run time too, since a typo from JS or a file must not fall back. */
export function durabilityOf(options: { readonly durability?: unknown }): Durability {
  const d = options.durability ?? DEFAULT_DURABILITY;
  if (!isDurability(d)) {
    throw new StorageError(
      'invalid-argument',
      `durability must be one of ${DURABILITIES.join(', ')}, got "${String(d)}"`,
    );
  }
  return d;
}

/** How a durable engine is opened. */
export interface DurableStorageOptions {
  /** Directory holding the engine's files; created if absent. */
  readonly path: string;
  /** Default `DEFAULT_DURABILITY`. */
  readonly durability?: Durability;
}

/**
 * Durability: for a durable engine, `put`, `delete` and `batch` resolve only once the write would survive
 * `kill -9` of the process, and with durability `sync` power loss too (fsync'd, or in the engine's log with
 * sync). The memory engine is not durable. Reads see every write whose promise has resolved. `iterate` sees
 * a consistent snapshot taken when iteration starts.
 */
export interface Storage {
  /** Engine name for logs and benchmarks (`memory`, `lmdb`, `level`). */
  readonly engine: string;
  /** True when acknowledged writes survive a process crash. */
  readonly durable: boolean;
  get(ns: Namespace, key: StoreKey): Promise<Uint8Array | undefined>;
  put(ns: Namespace, key: StoreKey, value: Uint8Array): Promise<void>;
  /** Deleting an absent key is not an error. */
  delete(ns: Namespace, key: StoreKey): Promise<void>;
  /** Atomic: after it resolves all ops are visible; if it rejects, none are. Later ops win on the same key. */
  batch(ops: readonly BatchOp[]): Promise<void>;
  /** Entries in ascending order of (partition, key bytes). */
  iterate(ns: Namespace, options?: IterateOptions): AsyncIterable<readonly [StoreKey, Uint8Array]>;
  /** Idempotent. Pending writes finish first; everything afterwards rejects with code `closed`. */
  close(): Promise<void>;
}
