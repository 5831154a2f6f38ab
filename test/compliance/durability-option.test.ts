import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openLevelStorage } from '../../src/storage/level-storage.js';
import { openLmdbStorage } from '../../src/storage/lmdb-storage.js';
import {
  DEFAULT_DURABILITY,
  type Durability,
  durabilityOf,
  type Storage,
  StorageError,
} from '../../src/storage/storage.js';

const ENGINES: Record<string, (o: { path: string; durability?: Durability }) => Promise<Storage>> = {
  lmdb: openLmdbStorage,
  level: openLevelStorage,
};
const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});
const enc = new TextEncoder();
const key = { partition: 3, key: enc.encode('k') };

describe('durability option', () => {
  it('defaults to sync and rejects anything but sync or os, naming both', () => {
    expect(DEFAULT_DURABILITY).toBe('sync');
    expect(durabilityOf({})).toBe('sync');
    expect(durabilityOf({ durability: 'os' })).toBe('os');
    expect(() => durabilityOf({ durability: 'periodic' })).toThrow(
      /durability must be one of sync, os, got "periodic"/,
    );
  });

  describe.each(Object.keys(ENGINES))('%s', (engine) => {
    const open = ENGINES[engine]!;

    it('refuses a bad durability before opening anything', async () => {
      const path = await mkdtemp(join(tmpdir(), `hearsay-dur-${engine}-`));
      dirs.push(path);
      const err = await open({ path, durability: 'fast' as Durability }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(StorageError);
      expect((err as StorageError).code).toBe('invalid-argument');
      expect((err as Error).message).toContain('sync, os');
    });

    // An operator may change the setting between restarts: the files are the same either way.
    it('reopens the same files under the other durability', async () => {
      const path = await mkdtemp(join(tmpdir(), `hearsay-dur-${engine}-`));
      dirs.push(path);
      let store = await open({ path, durability: 'sync' });
      await store.put('kv', key, enc.encode('a'));
      await store.close();
      store = await open({ path, durability: 'os' });
      expect(new TextDecoder().decode(await store.get('kv', key))).toBe('a');
      await store.put('kv', key, enc.encode('b'));
      await store.close();
      store = await open({ path, durability: 'sync' });
      expect(new TextDecoder().decode(await store.get('kv', key))).toBe('b');
      await store.close();
    });
  });
});
