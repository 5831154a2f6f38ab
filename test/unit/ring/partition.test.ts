import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PARTITIONS, MAX_PARTITIONS } from '../../../src/ring/config.js';
import { partitionId, partitionOf } from '../../../src/ring/partition.js';
import { hash64 } from '../../../src/runtime/hash64.js';

/** Mulberry32: a tiny seeded uniform PRNG, so the chi-square inputs are fixed and unbiased. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 0x1_0000_0000;
  };
}

describe('partitionOf (key → hash64 mod Q)', () => {
  it('puts fixed keys in fixed partitions (pinned: the key → partition map is wire-stable)', () => {
    // Computed once from this implementation and pinned. Every node and every future release must place a
    // key in the same partition, or replicas would look for data where no one wrote it. If this test fails,
    // the hash changed: that is a data-format break, not a test to update.
    const pinned: readonly [string, number, number, number][] = [
      // key, Q = 256, Q = 64, Q = 1000
      ['', 38, 38, 342],
      ['a', 91, 27, 315],
      ['foobar', 43, 43, 275],
      ['user:42', 72, 8, 112],
      ['hearsay', 141, 13, 877],
      ['ключ', 213, 21, 421],
      ['🔑', 190, 62, 750],
    ];
    for (const [key, q256, q64, q1000] of pinned) {
      expect(partitionOf(key, 256)).toBe(q256);
      expect(partitionOf(key, 64)).toBe(q64);
      expect(partitionOf(key, 1000)).toBe(q1000);
    }
    expect(partitionOf(new Uint8Array([0, 1, 2, 3, 255]), 256)).toBe(230);
  });

  it('a string key and its UTF-8 bytes land in the same partition', () => {
    fc.assert(
      fc.property(fc.string(), (key) => {
        expect(partitionOf(key, DEFAULT_PARTITIONS)).toBe(
          partitionOf(new TextEncoder().encode(key), DEFAULT_PARTITIONS),
        );
      }),
    );
  });

  it('is exactly the 64-bit hash mod Q for any Q, including non-powers of two', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.integer({ min: 1, max: MAX_PARTITIONS }), (key, q) => {
        const h = hash64(key);
        const expected = Number(((BigInt(h.hi) << 32n) | BigInt(h.lo)) % BigInt(q));
        expect(partitionOf(key, q)).toBe(expected);
      }),
    );
  });

  it('spreads random keys uniformly over 256 partitions (chi-square)', () => {
    // 256 partitions → 255 degrees of freedom; the 99.9th percentile of χ²(255) is ≈ 330.5. Keys come from a
    // seeded uniform generator (not fast-check, whose samples favour small and repeated values) so the test
    // is deterministic; a sound hash lands near 255.
    const q = 256;
    const keys = 256 * 200;
    const counts = new Array<number>(q).fill(0);
    const random = mulberry32(42);
    for (let i = 0; i < keys; i++) {
      const key = new Uint8Array(1 + Math.floor(random() * 24));
      for (let j = 0; j < key.length; j++) key[j] = Math.floor(random() * 256);
      const p = partitionOf(key, q);
      counts[p] = (counts[p] ?? 0) + 1;
    }
    const expected = keys / q;
    const chi2 = counts.reduce((sum, c) => sum + (c - expected) ** 2 / expected, 0);
    expect(chi2).toBeLessThan(330.5);
  });

  it('spreads sequential, near-identical keys uniformly too (chi-square)', () => {
    // "user:0", "user:1", … differ in a few low bits: the case where plain FNV-1a's low bits are weakest.
    const q = 256;
    const keys = 256 * 200;
    const counts = new Array<number>(q).fill(0);
    for (let i = 0; i < keys; i++) {
      const p = partitionOf(`user:${i}`, q);
      counts[p] = (counts[p] ?? 0) + 1;
    }
    const expected = keys / q;
    const chi2 = counts.reduce((sum, c) => sum + (c - expected) ** 2 / expected, 0);
    expect(chi2).toBeLessThan(330.5);
  });

  it('rejects a partition count outside [1, MAX_PARTITIONS] and out-of-range partition ids', () => {
    expect(() => partitionOf('k', 0)).toThrow(RangeError);
    expect(() => partitionOf('k', 2.5)).toThrow(RangeError);
    expect(() => partitionOf('k', MAX_PARTITIONS + 1)).toThrow(RangeError);
    expect(partitionOf('k', 1)).toBe(0);
    expect(partitionId(3, 4)).toBe(3);
    expect(() => partitionId(4, 4)).toThrow(RangeError);
    expect(() => partitionId(-1, 4)).toThrow(RangeError);
  });
});
