import { openLmdbStorage } from './lmdb-storage.js';
import type { DurableStorageOptions, Storage } from './storage.js';

/**
 * The durable engine a node uses unless told otherwise: lmdb, chosen by `npm run bench -- storage`
 * (docs/storage.md): ~6× level's gets and ~4× its puts with writers in flight, because concurrent commits
 * share one fsync.
 */
export function openDurableStorage(options: DurableStorageOptions): Promise<Storage> {
  return openLmdbStorage(options);
}
