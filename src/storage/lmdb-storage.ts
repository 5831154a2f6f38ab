import { open, type RootDatabase } from 'lmdb';
import type { RawRange } from './layout.js';
import { type RawEngine, RawEngineStorage, type RawOp } from './raw-engine.js';
import { type Durability, type DurableStorageOptions, durabilityOf, type Storage } from './storage.js';

export type LmdbStorageOptions = DurableStorageOptions;

/**
 * lmdb-js settings per durability. `sync`: `overlappingSync: false` makes every commit fsync before the
 * write promise resolves (lmdb-js's default on Linux resolves at commit and flushes afterwards, and measured
 * barely faster, docs/storage.md). `os`: `noSync` commits with write(2) into the file, i.e. into the OS
 * page cache, and never fsyncs; the kernel writes back on its own schedule. A killed process loses nothing
 * committed; power loss can lose recent commits and, per LMDB's MDB_NOSYNC docs, corrupt the environment.
 */
const LMDB_DURABILITY: Record<Durability, { readonly overlappingSync: false; readonly noSync: boolean }> = {
  sync: { overlappingSync: false, noSync: false },
  os: { overlappingSync: false, noSync: true },
};

/**
 * LMDB through lmdb-js. Concurrent writes in one event turn share a commit, so a `sync` fsync is amortised.
 */
class LmdbEngine implements RawEngine {
  readonly name = 'lmdb';
  readonly durable = true;

  constructor(private readonly db: RootDatabase<Uint8Array, Uint8Array>) {}

  async get(key: Uint8Array): Promise<Uint8Array | undefined> {
    return this.db.get(key);
  }

  async write(ops: readonly RawOp[]): Promise<void> {
    // One transaction: LMDB commits all of it or none of it.
    await this.db.transaction(() => {
      for (const op of ops) {
        if (op.type === 'put') void this.db.put(op.key, op.value);
        else void this.db.remove(op.key);
      }
    });
  }

  async *scan(range: RawRange): AsyncIterable<readonly [Uint8Array, Uint8Array]> {
    // getRange runs in a read transaction: a snapshot for the whole iteration.
    const entries = this.db.getRange(
      range.lt === undefined ? { start: range.gte } : { start: range.gte, end: range.lt },
    );
    for (const { key, value } of entries) yield [key, value] as const;
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}

export async function openLmdbStorage(options: LmdbStorageOptions): Promise<Storage> {
  const db = open<Uint8Array, Uint8Array>({
    path: options.path,
    keyEncoding: 'binary',
    encoding: 'binary',
    compression: false,
    ...LMDB_DURABILITY[durabilityOf(options)],
  });
  return new RawEngineStorage(new LmdbEngine(db));
}
