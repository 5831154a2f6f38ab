import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diffTrees, MerkleTree } from '../../../src/antientropy/index.js';
import { allHashes, configArb, entriesArb, keyArb, versionArb } from './arbitraries.js';

const EMPTY_ROOT = new Uint8Array(16);

type Op =
  | { readonly kind: 'put'; readonly key: string; readonly version: Uint8Array }
  | { readonly kind: 'delete'; readonly key: string }
  | { readonly kind: 'read'; readonly level: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({ kind: fc.constant('put' as const), key: keyArb, version: versionArb }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), key: keyArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('read' as const), level: fc.nat({ max: 10 }) }) },
);

describe('MerkleTree', () => {
  it('incremental updates in any order end in the same tree as a build from the final entries', () => {
    fc.assert(
      fc.property(configArb, fc.array(opArb, { maxLength: 120 }), (config, ops) => {
        const tree = new MerkleTree(config);
        const model = new Map<string, Uint8Array>();
        for (const op of ops) {
          if (op.kind === 'read') {
            // Interleaved reads flush part of the tree, so later updates find some levels clean, some dirty.
            const level = op.level % tree.levels;
            tree.hashesAt(level, [0]);
          } else if (op.kind === 'put') {
            tree.update(op.key, model.get(op.key), op.version);
            model.set(op.key, op.version);
          } else {
            tree.update(op.key, model.get(op.key), undefined);
            model.delete(op.key);
          }
        }
        const built = MerkleTree.build(model, config);
        expect(tree.equals(built)).toBe(true);
        expect(allHashes(tree)).toEqual(allHashes(built));
      }),
    );
  });

  it('two trees built from the same entries are equal whatever the insertion order', () => {
    const arb = entriesArb.chain((entries) =>
      fc.tuple(fc.constant(entries), fc.shuffledSubarray(entries, { minLength: entries.length })),
    );
    fc.assert(
      fc.property(configArb, arb, (config, [entries, shuffled]) => {
        const a = MerkleTree.build(entries, config);
        const b = MerkleTree.build(shuffled, config);
        expect(a.root()).toEqual(b.root());
        expect(a.equals(b)).toBe(true);
        expect(diffTrees(a, b)).toEqual({ segments: [], hashesCompared: 1, roundTrips: 1 });
      }),
    );
  });

  it('changing, removing or adding any single entry changes the root, and only that segment differs', () => {
    const arb = entriesArb
      .filter((entries) => entries.length > 0)
      .chain((entries) =>
        fc.tuple(
          fc.constant(entries),
          fc.nat({ max: entries.length - 1 }),
          fc.constantFrom('change', 'remove', 'add'),
          versionArb,
        ),
      );
    fc.assert(
      fc.property(configArb, arb, (config, [entries, at, mutation, version]) => {
        const [key, old] = entries[at] as [string, Uint8Array];
        const mutated = new Map(entries);
        let touched = key;
        if (mutation === 'change')
          mutated.set(key, Uint8Array.of(...old, ...version, 9)); // always different
        else if (mutation === 'remove') mutated.delete(key);
        else {
          touched = 'new:key'; // outside keyArb's universe
          mutated.set(touched, version);
        }
        const a = MerkleTree.build(entries, config);
        const b = MerkleTree.build(mutated, config);
        expect(a.root()).not.toEqual(b.root());
        expect(a.equals(b)).toBe(false);
        const diff = diffTrees(a, b);
        expect(diff.segments).toEqual([a.segmentOf(touched)]);
        expect(diff.roundTrips).toBe(a.levels);
      }),
    );
  });

  it('deleting every entry returns the tree to the empty root (all zeros)', () => {
    fc.assert(
      fc.property(configArb, entriesArb, (config, entries) => {
        const tree = MerkleTree.build(entries, config);
        tree.root(); // flush once, so the deletes below have to dirty and rehash again
        for (const [key, version] of entries) tree.update(key, version, undefined);
        expect(tree.root()).toEqual(EMPTY_ROOT);
        expect(tree.equals(new MerkleTree(config))).toBe(true);
        expect(allHashes(tree)).toEqual(allHashes(new MerkleTree(config)));
      }),
    );
  });

  it('clear() empties the tree, and it keeps working afterwards', () => {
    fc.assert(
      fc.property(configArb, entriesArb, (config, entries) => {
        const tree = new MerkleTree(config);
        for (const [key, version] of entries) tree.update(key, undefined, version);
        tree.clear();
        expect(tree.root()).toEqual(EMPTY_ROOT);
        for (const [key, version] of entries) tree.update(key, undefined, version);
        expect(tree.equals(MerkleTree.build(entries, config))).toBe(true);
        expect(tree.root()).toEqual(MerkleTree.build(entries, config).root());
      }),
      { numRuns: 50 },
    );
  });

  it('an update from nothing to nothing, or to the same version, changes nothing', () => {
    const tree = MerkleTree.build([['a', Uint8Array.of(1)]]);
    const before = tree.root();
    tree.update('b', undefined, undefined);
    tree.update('a', Uint8Array.of(1), Uint8Array.of(1));
    expect(tree.root()).toEqual(before);
  });

  it('trees of different configs are never equal, even when both are empty', () => {
    expect(new MerkleTree({ segments: 64 }).equals(new MerkleTree({ segments: 128 }))).toBe(false);
    expect(new MerkleTree({ branching: 4 }).equals(new MerkleTree({ branching: 16 }))).toBe(false);
  });

  it('hashesAt returns copies in the order asked and rejects nodes that do not exist', () => {
    const tree = MerkleTree.build([['a', Uint8Array.of(1)]], { segments: 64, branching: 4 });
    const segment = tree.segmentOf('a');
    const other = segment === 0 ? 1 : 0;
    const [mine, empty] = tree.hashesAt(3, [segment, other]);
    expect(mine).not.toEqual(new Uint8Array(16));
    expect(empty).toEqual(new Uint8Array(16));
    mine?.fill(0);
    expect(tree.hashesAt(3, [segment])[0]).not.toEqual(new Uint8Array(16));
    expect(() => tree.hashesAt(3, [64])).toThrow(RangeError);
    expect(() => tree.hashesAt(4, [0])).toThrow(RangeError);
    expect(tree.childrenOf(0, 0)).toEqual([0, 1, 2, 3]);
  });

  it('is small: the default tree holds about 17 KiB of hashes', () => {
    const tree = new MerkleTree();
    // 16 bytes × (1 + 4 + 64 + 1024) nodes + 69 dirty flags.
    expect(tree.sizeBytes).toBe(16 * 1093 + 69);
  });
});
