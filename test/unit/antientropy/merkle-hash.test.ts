import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { entryHash, MerkleTree } from '../../../src/antientropy/index.js';
import { partitionOf } from '../../../src/ring/partition.js';
import { hash64, u64Hex } from '../../../src/runtime/hash64.js';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const u32be = (n: number): Uint8Array => {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n);
  return out;
};
const concat = (...parts: Uint8Array[]): Uint8Array => Buffer.concat(parts);
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('Merkle hashes (wire-stable: every node must compute the same tree from the same data)', () => {
  it('maps fixed keys to fixed segments and entries to fixed hashes (pinned)', () => {
    // Computed once from this implementation and pinned. If this fails, the hash changed: old and new nodes
    // would see every segment differ. That is a protocol break, not a test to update.
    const tree = new MerkleTree();
    const small = new MerkleTree({ segments: 64, branching: 4 });
    const pinned: readonly [string, number, number][] = [
      ['', 519, 32],
      ['a', 310, 19],
      ['foobar', 613, 38],
      ['user:42', 18, 1],
      ['ключ', 46, 2],
    ];
    for (const [key, of1024, of64] of pinned) {
      expect([key, tree.segmentOf(key), small.segmentOf(key)]).toEqual([key, of1024, of64]);
    }
    expect(hex(entryHash('user:42', Uint8Array.of(1, 2, 3)))).toBe('599fd6151afca260f10fba5083283658');
    const abc = MerkleTree.build([
      ['a', Uint8Array.of(1)],
      ['b', Uint8Array.of(2)],
      ['c', Uint8Array.of(3)],
    ]);
    expect(hex(abc.root())).toBe('3aa07c45d6d560912814add95792ee78');
  });

  it('segment(k) is the top bits of hash64(0x53 ‖ k)', () => {
    const trees = new Map<number, MerkleTree>();
    const treeOf = (bits: number): MerkleTree => {
      const tree = trees.get(bits) ?? new MerkleTree({ segments: 2 ** bits, branching: 256 });
      trees.set(bits, tree);
      return tree;
    };
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 32 }), fc.integer({ min: 1, max: 20 }), (key, bits) => {
        const tree = treeOf(bits);
        expect(tree.segmentOf(key)).toBe(hash64(concat(Uint8Array.of(0x53), key)).hi >>> (32 - bits));
      }),
      { numRuns: 200 },
    );
    expect(new MerkleTree({ segments: 1 }).segmentOf('anything')).toBe(0);
  });

  it('entry(k, v) = hash64(0x45 ‖ u32be(|k|) ‖ k ‖ v) ‖ hash64(0x65 ‖ u32be(|v|) ‖ v ‖ k)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 32 }), fc.uint8Array({ maxLength: 32 }), (key, version) => {
        const first = hash64(concat(Uint8Array.of(0x45), u32be(key.length), key, version));
        const second = hash64(concat(Uint8Array.of(0x65), u32be(version.length), version, key));
        expect(hex(entryHash(key, version))).toBe(u64Hex(first) + u64Hex(second));
      }),
    );
  });

  it('an inner node is hash64(0x4e ‖ children) ‖ hash64(0x6e ‖ children), and 0 over empty children', () => {
    const tree = MerkleTree.build(
      [
        ['x', utf8('1')],
        ['y', utf8('2')],
      ],
      { segments: 4, branching: 4 },
    );
    const children = concat(...tree.hashesAt(1, [0, 1, 2, 3]));
    const expected =
      u64Hex(hash64(concat(Uint8Array.of(0x4e), children))) +
      u64Hex(hash64(concat(Uint8Array.of(0x6e), children)));
    expect(hex(tree.root())).toBe(expected);
    expect(hex(new MerkleTree({ segments: 4, branching: 4 }).root())).toBe('0'.repeat(32));
  });

  it('a string key hashes as its UTF-8 bytes', () => {
    const tree = new MerkleTree();
    fc.assert(
      fc.property(fc.string(), fc.uint8Array({ maxLength: 8 }), (key, version) => {
        expect(tree.segmentOf(key)).toBe(tree.segmentOf(utf8(key)));
        expect(entryHash(key, version)).toEqual(entryHash(utf8(key), version));
      }),
    );
  });

  it('the key/version boundary matters: ("ab", "c") and ("a", "bc") hash differently', () => {
    expect(entryHash('ab', utf8('c'))).not.toEqual(entryHash('a', utf8('bc')));
    const same = entryHash('k', utf8('k'));
    expect(hex(same.subarray(0, 8))).not.toBe(hex(same.subarray(8)));
  });

  it("spreads one ring partition's keys evenly over the segments (independent of the partition hash)", () => {
    // With Q = 256 every key of a partition shares hash64(k) mod 256; segments must not inherit that.
    const segments = 64;
    const tree = new MerkleTree({ segments, branching: 4 });
    const counts = new Array<number>(segments).fill(0);
    let n = 0;
    for (let i = 0; n < segments * 50; i++) {
      const key = `user:${i}`;
      if (partitionOf(key, 256) !== 7) continue;
      const s = tree.segmentOf(key);
      counts[s] = (counts[s] as number) + 1;
      n++;
    }
    const expected = n / segments;
    const chiSquare = counts.reduce((sum, c) => sum + (c - expected) ** 2 / expected, 0);
    // 63 degrees of freedom: mean 63, sd ≈ 11; 120 is beyond p = 1e-5.
    expect(chiSquare).toBeLessThan(120);
  });
});
