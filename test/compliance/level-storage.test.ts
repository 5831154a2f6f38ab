import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLevelStorage } from '../../src/storage/level-storage.js';
import { storageContract } from './storage-contract.js';

storageContract('level', async () => {
  const path = await mkdtemp(join(tmpdir(), 'hearsay-level-'));
  return {
    store: await openLevelStorage({ path }),
    reopen: () => openLevelStorage({ path }),
    cleanup: () => rm(path, { recursive: true, force: true }),
  };
});
