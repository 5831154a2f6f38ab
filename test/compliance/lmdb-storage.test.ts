import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLmdbStorage } from '../../src/storage/lmdb-storage.js';
import { storageContract } from './storage-contract.js';

storageContract('lmdb', async () => {
  const path = await mkdtemp(join(tmpdir(), 'hearsay-lmdb-'));
  return {
    store: await openLmdbStorage({ path }),
    reopen: () => openLmdbStorage({ path }),
    cleanup: () => rm(path, { recursive: true, force: true }),
  };
});
