import { describe, expect, it } from 'vitest';
import type { NodeId } from '../../../src/membership/member.js';
import {
  loadEpoch,
  loadOwners,
  persistOwner,
  replicaIdFor,
  saveEpoch,
} from '../../../src/replica/node-records.js';
import type { Logger } from '../../../src/runtime/logger.js';
import { SILENT_LOGGER } from '../../../src/runtime/logger.js';
import { openMemoryStorage } from '../../../src/storage/memory-storage.js';

function capturing(): Logger & { warned: string[] } {
  const warned: string[] = [];
  const log: Logger & { warned: string[] } = {
    ...SILENT_LOGGER,
    warned,
    warn: (_fields: unknown, msg?: string) => {
      warned.push(msg ?? '');
    },
    child: () => log,
  } as Logger & { warned: string[] };
  return log;
}

describe('node records (epoch, owner set)', () => {
  it('the epoch starts at 0, survives a reopen of the store, and names the replica id', async () => {
    const storage = openMemoryStorage();
    expect(await loadEpoch(storage)).toBe(0);
    await saveEpoch(storage, 3);
    expect(await loadEpoch(storage)).toBe(3);
    expect(String(replicaIdFor('n1', 0))).toBe('n1');
    expect(String(replicaIdFor('n1', 3))).toBe('n1#3');
  });

  it('owners added and removed are what a restart loads (as dead members); an unreadable one is skipped and logged', async () => {
    const storage = openMemoryStorage();
    const member = (id: string) => ({
      id: id as NodeId,
      addr: `${id}:7946`,
      zone: 'z1',
      meta: {},
      incarnation: 4,
      state: 'alive' as const,
    });
    await persistOwner(storage, { added: member('a') });
    await persistOwner(storage, { added: member('b') });
    await persistOwner(storage, { removed: 'a' as NodeId });
    await storage.put(
      '\u0000owners',
      { partition: 0, key: new TextEncoder().encode('c') },
      Uint8Array.of(0xff),
    );
    const log = capturing();
    const owners = await loadOwners(storage, log);
    expect(owners).toEqual([
      { id: 'b', addr: 'b:7946', zone: 'z1', meta: {}, incarnation: 0, state: 'dead' },
    ]);
    expect(log.warned).toEqual(['skipping an unreadable owner record']);
  });
});
