import { describe, expect, it } from 'vitest';
import { MerkleTree } from '../../../src/antientropy/merkle-tree.js';
import { PartitionTrees } from '../../../src/antientropy/partition-trees.js';
import { Replica } from '../../../src/replica/replica.js';
import { openMemoryStorage } from '../../../src/storage/memory-storage.js';
import { replicaId } from '../../../src/versioning/replica-id.js';
import { EMPTY_VV } from '../../../src/versioning/version-vector.js';
import { bytesValue } from '../../../src/versioning/versioned-value.js';

const enc = new TextEncoder();

/** A replica over memory storage whose changes feed the trees, as KvStore wires them. */
async function setup(maxTrees = 4096) {
  const storage = openMemoryStorage();
  const emptied: string[] = [];
  let replica: Replica | undefined;
  const trees = new PartitionTrees(
    {
      replica: () => replica as Replica,
      holds: (ns, p) => (replica as Replica).index.holds(ns, p),
      onEmpty: (ns, p) => {
        emptied.push(`${ns}/${p}`);
        void (replica as Replica).index.forgetIfEmpty(ns, p);
      },
    },
    { segments: 64, maxTrees },
  );
  replica = new Replica(
    { storage, onChange: (...args) => trees.onChange(...args) },
    { localId: replicaId('a') },
  );
  await replica.loadNamespaces();
  const put = async (ns: string, p: number, key: string) => {
    const r = await replica.coordinate(ns, enc.encode(key), p, EMPTY_VV, bytesValue(enc.encode(key)), 1);
    if (!r.ok) throw new Error('write failed');
    return r.value;
  };
  return { storage, trees, replica, emptied, put };
}

describe('PartitionTrees: memory follows data', () => {
  it('a partition holding nothing answers the empty tree and allocates nothing', async () => {
    const { trees } = await setup();
    const t = await trees.tree('ns1', 5);
    expect(t.size).toBe(0);
    expect(t.root()).toEqual(new MerkleTree({ segments: 64 }).root());
    for (let p = 0; p < 256; p++) await trees.tree(`ns${p % 7}`, p);
    expect(trees.built).toBe(0);
  });

  it('builds a tree for a partition with data and drops it, unlisting the partition, when its last key goes', async () => {
    const { trees, replica, emptied, put } = await setup();
    const set = await put('users', 3, 'a');
    await put('users', 3, 'b');
    const t = await trees.tree('users', 3);
    expect(t.size).toBe(2);
    expect(trees.built).toBe(1);
    expect(must(await replica.removeIfUnchanged('users', enc.encode('a'), 3, set))).toBe(true);
    expect(trees.built).toBe(1);
    const b = must(await replica.get('users', enc.encode('b'), 3));
    expect(b).toBeDefined();
    if (b !== undefined)
      expect(must(await replica.removeIfUnchanged('users', enc.encode('b'), 3, b))).toBe(true);
    expect(trees.built).toBe(0);
    expect(emptied).toEqual(['users/3']);
    await new Promise((r) => setImmediate(r));
    expect(replica.index.holds('users', 3)).toBe(false);
    expect(replica.namespaces()).toEqual([]);
  });

  it('keeps at most maxTrees trees, dropping the least recently used, and rebuilds a dropped one exactly', async () => {
    const { trees, replica, put } = await setup(3);
    for (let p = 0; p < 5; p++) await put('users', p, `k${p}`);
    for (let p = 0; p < 5; p++) await trees.tree('users', p);
    expect(trees.built).toBe(3);
    expect(trees.evicted).toBe(2);
    // Partition 4 was used last: still held. Partition 0 was dropped and comes back equal to a fresh build.
    await trees.tree('users', 4);
    expect(trees.evicted).toBe(2);
    expect(trees.built).toBe(3);
    const before = await trees.tree('users', 0);
    const expected = new MerkleTree({ segments: 64 });
    for await (const e of replica.iteratePartition('users', 0))
      if (e.ok) expected.update(e.key, undefined, e.setBytes);
    expect(before.equals(expected)).toBe(true);
    expect(before.size).toBe(1);
    expect(trees.built).toBe(3);
  });
});

function must<T>(r: { ok: true; value: T } | { ok: false; error: unknown }): T {
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  return r.value;
}
