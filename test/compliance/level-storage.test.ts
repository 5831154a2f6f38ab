import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLevelStorage } from '../../src/storage/level-storage.js';
import { DURABILITIES } from '../../src/storage/storage.js';
import { storageContract } from './storage-contract.js';

// The same contract for each durability: it changes only when a write resolves, never what it means.
for (const durability of DURABILITIES) {
  storageContract(`level (durability ${durability})`, async () => {
    const path = await mkdtemp(join(tmpdir(), 'hearsay-level-'));
    return {
      store: await openLevelStorage({ path, durability }),
      reopen: () => openLevelStorage({ path, durability }),
      cleanup: () => rm(path, { recursive: true, force: true }),
    };
  });
}
