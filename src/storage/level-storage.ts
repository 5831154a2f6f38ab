import { ClassicLevel } from 'classic-level';
import type { RawRange } from './layout.js';
import { type RawEngine, RawEngineStorage, type RawOp } from './raw-engine.js';
import { type DurableStorageOptions, durabilityOf, type Storage } from './storage.js';

export type LevelStorageOptions = DurableStorageOptions;

/** LevelDB through classic-level. A batch is one log record, hence atomic. */
class LevelEngine implements RawEngine {
  readonly name = 'level';
  readonly durable = true;

  /**
   * `sync: true` fsyncs LevelDB's log before the write resolves (survives power loss); `sync: false` has
   * written the record to the log file, i.e. to the OS, which survives kill -9 of the process.
   */
  readonly #writeOptions: { readonly sync: boolean };

  constructor(
    private readonly db: ClassicLevel<Uint8Array, Uint8Array>,
    sync: boolean,
  ) {
    this.#writeOptions = { sync };
  }

  async get(key: Uint8Array): Promise<Uint8Array | undefined> {
    return this.db.get(key);
  }

  async write(ops: readonly RawOp[]): Promise<void> {
    await this.db.batch(
      ops.map((op) =>
        op.type === 'put'
          ? { type: 'put' as const, key: op.key, value: op.value }
          : { type: 'del' as const, key: op.key },
      ),
      this.#writeOptions,
    );
  }

  async *scan(range: RawRange): AsyncIterable<readonly [Uint8Array, Uint8Array]> {
    // LevelDB iterators read from an implicit snapshot taken when they are created.
    const it = this.db.iterator(
      range.lt === undefined ? { gte: range.gte } : { gte: range.gte, lt: range.lt },
    );
    try {
      for await (const [k, v] of it) yield [k, v] as const;
    } finally {
      await it.close();
    }
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}

export async function openLevelStorage(options: LevelStorageOptions): Promise<Storage> {
  const sync = durabilityOf(options) === 'sync';
  const db = new ClassicLevel<Uint8Array, Uint8Array>(options.path, {
    keyEncoding: 'view',
    valueEncoding: 'view',
  });
  await db.open();
  return new RawEngineStorage(new LevelEngine(db, sync));
}
