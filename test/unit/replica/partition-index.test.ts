import { describe, expect, it } from 'vitest';
import { NAMESPACE_INDEX, PARTITION_INDEX, PartitionIndex } from '../../../src/replica/partition-index.js';
import { Replica } from '../../../src/replica/replica.js';
import { openMemoryStorage } from '../../../src/storage/memory-storage.js';
import type { Storage } from '../../../src/storage/storage.js';
import { newSet, update } from '../../../src/versioning/dvvset.js';
import { replicaId } from '../../../src/versioning/replica-id.js';
import { EMPTY_VV } from '../../../src/versioning/version-vector.js';
import { bytesValue } from '../../../src/versioning/versioned-value.js';

const enc = new TextEncoder();
const A = replicaId('a');

async function replicaOn(storage: Storage, maxNamespaces = 1024, uncapped: string[] = []): Promise<Replica> {
  const r = new Replica({ storage }, { localId: A, maxNamespaces, uncappedNamespaces: uncapped });
  await r.loadNamespaces();
  return r;
}

function put(r: Replica, ns: string, partition: number, key: string) {
  return r.coordinate(ns, enc.encode(key), partition, EMPTY_VV, bytesValue(enc.encode('v')), 1000);
}

describe('PartitionIndex', () => {
  it('lists exactly the partitions written, durably across a reopen', async () => {
    const storage = openMemoryStorage();
    const r = await replicaOn(storage);
    expect(r.namespaces()).toEqual([]);
    await put(r, 'users', 3, 'a');
    await put(r, 'users', 9, 'b');
    await put(r, 'carts', 3, 'c');
    expect(r.namespaces()).toEqual(['carts', 'users']);
    expect(r.index.partitions('users')).toEqual([3, 9]);
    expect(r.index.holds('carts', 9)).toBe(false);
    const again = await replicaOn(storage);
    expect([...again.index.entries()]).toEqual([
      { ns: 'carts', partition: 3 },
      { ns: 'users', partition: 3 },
      { ns: 'users', partition: 9 },
    ]);
  });

  it('forgets a partition only once storage holds nothing there, and the namespace with its last partition', async () => {
    const storage = openMemoryStorage();
    const r = await replicaOn(storage);
    await put(r, 'users', 3, 'a');
    await put(r, 'users', 9, 'b');
    expect(await r.index.forgetIfEmpty('users', 3)).toBe(false); // still holds `a`
    await storage.delete('users', { partition: 3, key: enc.encode('a') });
    expect(await r.index.forgetIfEmpty('users', 3)).toBe(true);
    expect(r.index.partitions('users')).toEqual([9]);
    await storage.delete('users', { partition: 9, key: enc.encode('b') });
    expect(await r.index.forgetIfEmpty('users', 9)).toBe(true);
    expect(r.namespaces()).toEqual([]);
    // Nothing left in the durable index either.
    const left: unknown[] = [];
    for await (const e of storage.iterate(PARTITION_INDEX)) left.push(e);
    for await (const e of storage.iterate(NAMESPACE_INDEX, { partition: 0 })) left.push(e);
    expect(left).toEqual([]);
    expect((await replicaOn(storage)).namespaces()).toEqual([]);
  });

  it('never unlists a partition a write is landing in while the removal checks storage', async () => {
    const storage = openMemoryStorage();
    const r = await replicaOn(storage);
    await put(r, 'users', 3, 'a');
    await storage.delete('users', { partition: 3, key: enc.encode('a') });
    // A write in flight: no removal.
    r.index.enter('users');
    expect(await r.index.forgetIfEmpty('users', 3)).toBe(false);
    r.index.leave('users');
    // A write that starts (and even finishes) while the removal checks storage makes it give up.
    const removal = r.index.forgetIfEmpty('users', 3);
    r.index.enter('users');
    r.index.leave('users');
    expect(await removal).toBe(false);
    expect(r.index.holds('users', 3)).toBe(true);
    // A real write racing a removal: whichever wins, the partition ends up listed.
    const racing = r.index.forgetIfEmpty('users', 3);
    const write = put(r, 'users', 3, 'b');
    await racing;
    expect((await write).ok).toBe(true);
    expect(r.index.holds('users', 3)).toBe(true);
    // And a write started after a removal committed lists the partition again.
    await storage.delete('users', { partition: 3, key: enc.encode('b') });
    const removal2 = r.index.forgetIfEmpty('users', 3);
    await Promise.resolve();
    const write2 = put(r, 'users', 3, 'c');
    await removal2;
    expect((await write2).ok).toBe(true);
    expect(r.index.holds('users', 3)).toBe(true);
    expect((await replicaOn(storage)).index.holds('users', 3)).toBe(true);
  });

  it('refuses a namespace past the cap (exempt ones aside) and accepts one again after a namespace empties', async () => {
    const storage = openMemoryStorage();
    const r = await replicaOn(storage, 2, ['_global']);
    expect((await put(r, 'one', 1, 'k')).ok).toBe(true);
    expect((await put(r, 'two', 1, 'k')).ok).toBe(true);
    expect((await put(r, '_global', 0, 'k')).ok).toBe(true);
    expect((await put(r, 'two', 5, 'k2')).ok).toBe(true); // a known namespace takes more partitions
    const refused = await put(r, 'three', 1, 'k');
    expect(refused).toEqual({ ok: false, error: { kind: 'namespace-limit', limit: 2 } });
    const merged = await r.merge(
      'three',
      enc.encode('k'),
      1,
      update(newSet(bytesValue(enc.encode('x'))), undefined, A),
      1,
    );
    expect(merged.ok).toBe(false);
    expect(r.namespaces()).toEqual(['_global', 'one', 'two']);
    await storage.delete('one', { partition: 1, key: enc.encode('k') });
    expect(await r.index.forgetIfEmpty('one', 1)).toBe(true);
    expect((await put(r, 'three', 1, 'k')).ok).toBe(true);
  });

  it('builds the index once from a data directory written before it existed', async () => {
    const storage = openMemoryStorage();
    // What an older version left: data and the namespace list, no partition index, no version marker.
    for (const [ns, p, k] of [
      ['users', 4, 'a'],
      ['users', 4, 'b'],
      ['users', 200, 'c'],
      ['carts', 0, 'd'],
    ] as const) {
      await storage.put(ns, { partition: p, key: enc.encode(k) }, Uint8Array.of(0));
      await storage.put(NAMESPACE_INDEX, { partition: 0, key: enc.encode(ns) }, Uint8Array.of(1));
    }
    const index = new PartitionIndex(storage, 1024);
    await index.load();
    expect([...index.entries()]).toEqual([
      { ns: 'carts', partition: 0 },
      { ns: 'users', partition: 4 },
      { ns: 'users', partition: 200 },
    ]);
    // The scan is not repeated: a partition written behind the index's back is not discovered again.
    await storage.put('users', { partition: 9, key: enc.encode('e') }, Uint8Array.of(0));
    const reopened = new PartitionIndex(storage, 1024);
    await reopened.load();
    expect(reopened.partitions('users')).toEqual([4, 200]);
  });
});
