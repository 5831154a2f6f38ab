import { ClassicLevel } from 'classic-level';
import type { RawRange } from './layout.js';
import { type RawEngine, RawEngineStorage, type RawOp } from './raw-engine.js';
import type { Storage } from './storage.js';

export interface LevelStorageOptions {
  /** Directory holding the LevelDB files; created if absent. */
  readonly path: string;
}

/** Every write syncs LevelDB's log before resolving: that is what survives kill -9. */
const SYNC = { sync: true } as const;

/** LevelDB through classic-level. A batch is one log record, hence atomic. */
class LevelEngine implements RawEngine {
  readonly name = 'level';
  readonly durable = true;

  constructor(private readonly db: ClassicLevel<Uint8Array, Uint8Array>) {}

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
      SYNC,
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
  const db = new ClassicLevel<Uint8Array, Uint8Array>(options.path, {
    keyEncoding: 'view',
    valueEncoding: 'view',
  });
  await db.open();
  return new RawEngineStorage(new LevelEngine(db));
}
