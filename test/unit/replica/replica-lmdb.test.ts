import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HintStore } from '../../../src/replica/hints.js';
import { Replica } from '../../../src/replica/replica.js';
import { openLmdbStorage } from '../../../src/storage/lmdb-storage.js';
import { join as clockOf } from '../../../src/versioning/dvvset.js';
import { replicaId } from '../../../src/versioning/replica-id.js';
import { EMPTY_VV, get as vvGet } from '../../../src/versioning/version-vector.js';
import { bytesValue, liveValues } from '../../../src/versioning/versioned-value.js';
import { replicaSuite } from './replica-suite.js';

let root = '';
let n = 0;
const nextDir = (): string => join(root, `env-${n++}`);

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'hearsay-replica-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

replicaSuite('lmdb', () => openLmdbStorage({ path: nextDir() }));

const key = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('Replica and hints over lmdb survive a reopen', () => {
  it('a coordinated write and its dot counter survive a reopen', async () => {
    const path = nextDir();
    const A = replicaId('a');
    let storage = await openLmdbStorage({ path });
    const first = await new Replica({ storage }, { localId: A }).coordinate(
      'data',
      key('k'),
      3,
      EMPTY_VV,
      bytesValue(key('x')),
      1,
    );
    await storage.close();
    storage = await openLmdbStorage({ path });
    const r = new Replica({ storage }, { localId: A });
    expect(first.ok).toBe(true);
    const next = await r.coordinate('data', key('k'), 3, EMPTY_VV, bytesValue(key('y')), 2);
    if (!next.ok) throw new Error('write failed');
    // The second write's dot is (a, 2): the counter was not reset, so no dot is reused.
    expect(vvGet(clockOf(next.value), A)).toBe(2);
    expect(liveValues(next.value)).toHaveLength(2);
    await storage.close();
  });

  it('hints survive a reopen, with their count and targets', async () => {
    const path = nextDir();
    const A = replicaId('a');
    const set = { entries: [{ id: A, counter: 1, values: [bytesValue(key('x'))] }], anonymous: [] };
    let storage = await openLmdbStorage({ path });
    let hints = await HintStore.open({ storage });
    await hints.addHint('node-2', 'data', key('k1'), 1, set, 10);
    await hints.addHint('node-2', 'data', key('k2'), 2, set, 10);
    await hints.addHint('node-3', 'other', key('k1'), 1, set, 10);
    await storage.close();

    storage = await openLmdbStorage({ path });
    hints = await HintStore.open({ storage });
    expect(hints.count).toBe(3);
    expect(hints.targets()).toEqual(['node-2', 'node-3']);
    const listed = [];
    for await (const h of hints.hintsFor('node-2')) listed.push(h);
    expect(listed.map((h) => new TextDecoder().decode(h.key))).toEqual(['k1', 'k2']);
    for (const h of listed) expect((await hints.removeHint(h)).ok).toBe(true);
    await storage.close();

    storage = await openLmdbStorage({ path });
    hints = await HintStore.open({ storage });
    expect(hints.targets()).toEqual(['node-3']);
    expect(hints.count).toBe(1);
    await storage.close();
  });
});
